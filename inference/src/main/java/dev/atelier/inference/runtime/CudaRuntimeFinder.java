package dev.atelier.inference.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the CUDA runtime (libcudart.so*) that a torch install uses: torch/lib, the pip wheels' nvidia/<pkg>/lib
 * beside torch (where torch's RUNPATH points), then /usr/local/cuda. DJL's CudaUtils opens it through JNA to count
 * GPUs; torch itself finds its own through RUNPATH.
 */
final class CudaRuntimeFinder {
    private CudaRuntimeFinder() {
    }

    static Optional<Path> find(TorchInstall torch) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(torch.libDir());
        Path sitePackages = torch.root().getParent();
        if (sitePackages != null && Files.isDirectory(sitePackages.resolve("nvidia"))) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(sitePackages.resolve("nvidia"))) {
                for (Path pkg : ds) {
                    dirs.add(pkg.resolve("lib"));
                }
            } catch (IOException e) {
                // skip
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "libcudart.so*")) {
                for (Path p : ds) {
                    return Optional.of(p);
                }
            } catch (IOException e) {
                // skip
            }
        }
        return Optional.empty();
    }
}
