package dev.atelier.inference.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Opens whatever weight layout a path holds. */
public final class WeightStores {
    private WeightStores() {}

    /**
     * A {@code .safetensors} file, a {@code .safetensors.index.json}, or a diffusers component folder (its index
     * if present, else every {@code *.safetensors} in it). Pickle checkpoints are refused without being read.
     */
    public static WeightStore open(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(path)) {
            return openFolder(path);
        }
        if (name.endsWith(".ckpt") || name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin")
                || name.endsWith(".pkl")) {
            throw new WeightFormatException(path, "pickle checkpoints are refused (they can run code when loaded); "
                    + "convert it to .safetensors or download the .safetensors version");
        }
        if (name.endsWith(".index.json")) {
            return ShardedSafetensors.openIndex(path);
        }
        if (name.endsWith(".gguf")) {
            throw new WeightFormatException(path, "GGUF files are not supported yet");
        }
        return SafetensorsFile.open(path);
    }

    private static WeightStore openFolder(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new WeightFormatException(dir, "cannot list folder: " + e.getMessage(), e);
        }
        List<Path> index = files.stream().filter(f -> f.getFileName().toString().endsWith(".safetensors.index.json")).toList();
        if (index.size() == 1) {
            return ShardedSafetensors.openIndex(index.getFirst());
        }
        List<Path> st = files.stream().filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList();
        if (st.isEmpty()) {
            throw new WeightFormatException(dir, "no .safetensors weights in this folder");
        }
        return st.size() == 1 ? SafetensorsFile.open(st.getFirst()) : ShardedSafetensors.of(dir, st);
    }
}
