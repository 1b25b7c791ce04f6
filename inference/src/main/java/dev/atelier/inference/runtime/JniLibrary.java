package dev.atelier.inference.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * DJL's PyTorch JNI library ({@code libdjl_torch.so}) as a file, and whether it maps bfloat16.
 *
 * <p>How bf16 support is detected, without ever touching bf16: Atelier's patch
 * ({@code packaging/jni/djl-0.36.0-torch-2.11.patch}) replaces the stock {@code throw;} for unknown dtypes by an
 * exception whose message is {@link #BF16_MARKER}; the compiled library therefore carries that string, and the stock
 * DJL JNI (which terminates the JVM on any bf16 array) does not. We scan the file's bytes for it: no loading, no
 * native call, cannot crash. After the engine has started, {@link #loadedInThisProcess()} reads
 * {@code /proc/self/maps} to find the library DJL really loaded, so a JNI picked up from elsewhere (DJL's cache,
 * a user's PYTORCH_LIBRARY_PATH) is judged by its own bytes. A DataType round trip was rejected: creating a bf16
 * array with the stock JNI is exactly what kills the JVM, and asking the dtype of a tensor made elsewhere needs a
 * bf16 tensor first. The {@code .txt} beside the library (provenance written by build-jni.sh) is shown to the user
 * but not trusted for the decision.
 *
 * @param path       the library file
 * @param bf16       true when the file carries {@link #BF16_MARKER}
 * @param provenance key=value pairs of {@code <path>.txt} (torch, djl, patch, sha256, built), empty when absent
 */
public record JniLibrary(Path path, boolean bf16, Map<String, String> provenance) {
    /** A string only the bf16-patched JNI contains (its error for unknown DJL dtype ordinals). */
    public static final String BF16_MARKER = "DJL PyTorch JNI: unsupported DJL DataType ordinal";
    /** The file name DJL looks for in PYTORCH_LIBRARY_PATH. */
    public static final String FILE_NAME = "libdjl_torch.so";

    public JniLibrary {
        provenance = Map.copyOf(provenance);
    }

    /** Reads {@code file} (and its .txt); the bytes are scanned, never loaded. */
    public static JniLibrary inspect(Path file) throws IOException {
        return new JniLibrary(file, containsMarker(file), readProvenance(file));
    }

    /** The torch version the provenance names (e.g. "2.11.0+cu130"), empty when unknown. */
    public String torchVersion() {
        return provenance.getOrDefault("torch", "");
    }

    public String describe() {
        return path + (bf16 ? " (bf16 patch present)" : " (no bf16: stock DJL JNI)")
                + (provenance.isEmpty() ? "" : " built for torch " + torchVersion()
                + " from DJL " + provenance.getOrDefault("djl", "?"));
    }

    /** True when {@link #BF16_MARKER} occurs in the file. */
    public static boolean containsMarker(Path file) throws IOException {
        byte[] needle = BF16_MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[1 << 16];
        int keep = needle.length - 1;
        byte[] window = new byte[buf.length + keep];
        int carried = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                System.arraycopy(buf, 0, window, carried, n);
                int len = carried + n;
                if (indexOf(window, len, needle) >= 0) {
                    return true;
                }
                carried = Math.min(keep, len);
                System.arraycopy(window, len - carried, window, 0, carried);
            }
        }
        return false;
    }

    private static int indexOf(byte[] hay, int len, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= len; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** {@code key=value} tokens of {@code <file>.txt}; empty when there is none. */
    static Map<String, String> readProvenance(Path file) throws IOException {
        Path txt = file.resolveSibling(file.getFileName() + ".txt");
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(txt)) {
            return out;
        }
        for (String tok : Files.readString(txt, StandardCharsets.UTF_8).trim().split("\\s+")) {
            int eq = tok.indexOf('=');
            if (eq > 0) {
                out.put(tok.substring(0, eq), tok.substring(eq + 1));
            }
        }
        return out;
    }

    /** The DJL JNI library mapped into this process (Linux /proc/self/maps); empty before the engine starts. */
    public static Optional<Path> loadedInThisProcess() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try {
            return findInMaps(Files.readString(maps, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The first mapped file whose name ends in {@code djl_torch.so} (DJL's cache names it 0.36.0-libdjl_torch.so). */
    static Optional<Path> findInMaps(String maps) {
        for (String line : maps.split("\n")) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String file = line.substring(slash).trim();
            if (file.endsWith(" (deleted)")) {
                file = file.substring(0, file.length() - " (deleted)".length());
            }
            if (file.endsWith("djl_torch.so")) {
                return Optional.of(Path.of(file));
            }
        }
        return Optional.empty();
    }
}
