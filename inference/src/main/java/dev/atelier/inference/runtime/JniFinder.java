package dev.atelier.inference.runtime;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the DJL JNI built for a given torch. Layout (the repository's {@code packaging/jni/lib/}, the packaged
 * app's {@code jni/}): {@code linux-x86_64/torch-<version>-<flavor>/libdjl_torch.so} plus its {@code .txt}
 * provenance ({@code torch=2.11.0+cu130 ...}). The JNI is tied to torch's C++ ABI: the same torch version is
 * required; another CUDA flavor of that version is accepted with a warning.
 */
final class JniFinder {
    static final String PLATFORM = "linux-x86_64";

    /** The library found (null when none fits) and what the user should know. */
    record Match(JniLibrary library, String problem) {
    }

    private JniFinder() {
    }

    static Match find(String setting, TorchInstall torch) {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return new Match(null, "Atelier ships its GPU JNI for Linux x86-64 only; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ".");
        }
        List<JniLibrary> all = new ArrayList<>();
        for (Path root : roots(setting)) {
            all.addAll(libraries(root));
        }
        return choose(all, torch, setting);
    }

    /** Picks the library for {@code torch} among {@code all} (exact version, else same base version). */
    static Match choose(List<JniLibrary> all, TorchInstall torch, String setting) {
        JniLibrary sameBase = null;
        for (JniLibrary lib : all) {
            String v = lib.torchVersion();
            if (v.equals(torch.version())) {
                return new Match(lib, "");
            }
            if (sameBase == null && base(v).equals(torch.baseVersion())) {
                sameBase = lib;
            }
        }
        if (sameBase != null) {
            return new Match(sameBase, "the JNI " + sameBase.path() + " was built for torch " + sameBase.torchVersion()
                    + ", this is " + torch.version() + " (same torch, other CUDA): expected to work; rebuild it with"
                    + " packaging/jni/build-jni.sh if the engine fails to start.");
        }
        List<String> have = all.stream().map(l -> l.torchVersion().isEmpty() ? l.path().toString() : l.torchVersion()).toList();
        return new Match(null, "no Atelier JNI for torch " + torch.version()
                + (setting == null ? "" : " in " + setting) + (have.isEmpty() ? "" : " (found builds for " + have + ")")
                + ": install torch " + (have.isEmpty() ? "2.11.0" : base(all.getFirst().torchVersion()))
                + " with CUDA, or build the JNI for yours with packaging/jni/build-jni.sh (README: GPU set-up).");
    }

    private static String base(String v) {
        int plus = v.indexOf('+');
        return plus < 0 ? v : v.substring(0, plus);
    }

    /** Libraries directly in {@code root} or in its {@code torch-*} sub-folders. */
    static List<JniLibrary> libraries(Path root) {
        List<JniLibrary> out = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        dirs.add(root);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "torch-*")) {
            for (Path d : ds) {
                dirs.add(d);
            }
        } catch (IOException e) {
            // not a folder: only root itself
        }
        dirs.subList(1, dirs.size()).sort(null);
        for (Path d : dirs) {
            Path so = d.resolve(JniLibrary.FILE_NAME);
            if (Files.isRegularFile(so)) {
                try {
                    JniLibrary lib = JniLibrary.inspect(so);
                    if (lib.torchVersion().isEmpty() && d.getFileName().toString().startsWith("torch-")) {
                        // no provenance file: the folder name says it (torch-2.11.0-cu130 -> 2.11.0+cu130)
                        String v = d.getFileName().toString().substring(6).replaceFirst("-", "+");
                        var p = new java.util.LinkedHashMap<>(lib.provenance());
                        p.put("torch", v);
                        lib = new JniLibrary(lib.path(), lib.bf16(), p);
                    }
                    out.add(lib);
                } catch (IOException e) {
                    // unreadable: skip
                }
            }
        }
        return out;
    }

    /** The setting, else the JNI folders beside the application (jar or classes dir) and the working directory. */
    static List<Path> roots(String setting) {
        Set<Path> out = new LinkedHashSet<>();
        if (setting != null) {
            Path s = Path.of(setting);
            out.add(s);
            out.add(s.resolve(PLATFORM));
            return new ArrayList<>(out);
        }
        List<Path> starts = new ArrayList<>();
        try {
            var src = TorchRuntime.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                starts.add(Path.of(src.getLocation().toURI()).toAbsolutePath());
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // no code source: only the working directory
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            Path p = start;
            for (int up = 0; up < 6 && p != null; up++, p = p.getParent()) {
                for (String rel : List.of("packaging/jni/lib/" + PLATFORM, "jni/" + PLATFORM, "lib/jni/" + PLATFORM)) {
                    Path cand = p.resolve(rel);
                    if (Files.isDirectory(cand)) {
                        out.add(cand);
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }
}
