package dev.atelier.inference.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A libtorch on this machine: either the {@code torch} package of a Python environment
 * ({@code site-packages/torch}, version in {@code version.py}) or an unzipped libtorch from pytorch.org
 * ({@code libtorch/}, version in {@code build-version}).
 *
 * @param root    the package or libtorch folder
 * @param libDir  its {@code lib/} (libtorch.so, libc10.so, ...)
 * @param version full version, e.g. {@code 2.11.0+cu130}
 * @param cuda    true when libtorch_cuda.so is there
 */
public record TorchInstall(Path root, Path libDir, String version, boolean cuda) {
    private static final Pattern PY_VERSION = Pattern.compile("(?m)^__version__\\s*=\\s*['\"]([^'\"]+)['\"]");

    /** "2.11.0" (without the local suffix). */
    public String baseVersion() {
        int plus = version.indexOf('+');
        return plus < 0 ? version : version.substring(0, plus);
    }

    /** "cu130" / "cpu": what DJL calls the flavor; it must contain "cu" for DJL to load the CUDA libraries. */
    public String flavor() {
        int plus = version.indexOf('+');
        if (plus >= 0 && version.substring(plus + 1).startsWith("cu")) {
            return version.substring(plus + 1);
        }
        return cuda ? "cu" : "cpu";
    }

    public String describe() {
        return "torch " + version + " at " + root + (cuda ? " (CUDA)" : " (CPU only)");
    }

    /** Reads a torch package, a libtorch folder, or their lib/ folder; empty when {@code dir} is none of these. */
    public static Optional<TorchInstall> at(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Path root = dir;
        if (Files.isRegularFile(dir.resolve("libtorch.so")) && dir.getParent() != null) {
            root = dir.getParent();
        }
        Path lib = root.resolve("lib");
        if (!Files.isRegularFile(lib.resolve("libtorch.so"))) {
            return Optional.empty();
        }
        String version = null;
        try {
            if (Files.isRegularFile(root.resolve("version.py"))) {
                Matcher m = PY_VERSION.matcher(Files.readString(root.resolve("version.py"), StandardCharsets.UTF_8));
                version = m.find() ? m.group(1) : null;
            } else if (Files.isRegularFile(root.resolve("build-version"))) {
                version = Files.readString(root.resolve("build-version"), StandardCharsets.UTF_8).trim();
            }
        } catch (IOException e) {
            version = null;
        }
        if (version == null || version.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TorchInstall(root, lib, version, Files.isRegularFile(lib.resolve("libtorch_cuda.so"))));
    }

    /**
     * Where to look, in order: the setting ({@code -Datelier.torch.dir} / {@code ATELIER_TORCH_DIR}), the torch
     * that {@code python3} imports (one short subprocess, without importing torch), then common places.
     */
    public static List<Path> candidates(String setting) {
        Set<Path> out = new LinkedHashSet<>();
        if (setting != null && !setting.isBlank()) {
            out.add(Path.of(setting));
            return new ArrayList<>(out);
        }
        pythonTorch().ifPresent(out::add);
        String home = System.getProperty("user.home", "");
        for (String base : List.of("/opt/torch/.venv/lib", home + "/.venv/lib", home + "/.local/lib", "/usr/lib",
                "/usr/local/lib")) {
            Path b = Path.of(base);
            if (!Files.isDirectory(b)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(b, "python3*")) {
                for (Path py : ds) {
                    for (String sub : List.of("site-packages/torch", "dist-packages/torch")) {
                        if (Files.isDirectory(py.resolve(sub))) {
                            out.add(py.resolve(sub));
                        }
                    }
                }
            } catch (IOException e) {
                // unreadable: skip
            }
        }
        out.add(Path.of(home, "libtorch"));
        out.add(Path.of("/opt/libtorch"));
        return new ArrayList<>(out);
    }

    /** The first candidate that is a torch install. */
    public static Optional<TorchInstall> find(String setting) {
        for (Path p : candidates(setting)) {
            Optional<TorchInstall> t = at(p);
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> pythonTorch() {
        try {
            Process p = new ProcessBuilder("python3", "-c",
                    "import importlib.util as u; s=u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && !out.isEmpty() && !out.contains("\n") ? Optional.of(Path.of(out)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
