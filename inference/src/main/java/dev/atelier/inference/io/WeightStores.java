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
     * if present, else every {@code *.safetensors} in it), or a {@code .gguf} file. Pickle checkpoints are refused
     * without being read (by extension, and by their magic bytes when they are named {@code .safetensors}).
     * Safetensors files holding fp8 weights come back as a {@link Fp8ScaledStore} view (scales applied at load).
     */
    public static WeightStore open(Path path) {
        WeightStore raw = openRaw(path);
        return raw instanceof SafetensorsFile f ? Fp8ScaledStore.wrapIfQuantized(f) : raw;
    }

    /**
     * Like {@link #open} (same refusals) but a single safetensors file comes back as is: fp8 scale tensors and
     * markers listed, fp8 not scaled on load. For inspection and detection.
     */
    public static WeightStore openRaw(Path path) {
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
        String magic = sniff(path);
        if (name.endsWith(".gguf") || magic.equals("gguf")) {
            return GgufFile.open(path);
        }
        if (magic.equals("pickle") || magic.equals("zip")) {
            throw new WeightFormatException(path, "this file is a " + (magic.equals("zip") ? "torch.save zip archive"
                    : "pickle") + " despite its name; pickle checkpoints are refused (they can run code when loaded)"
                    + " and were not unpickled: download the real .safetensors version");
        }
        return SafetensorsFile.open(path);
    }

    /**
     * What the first bytes of a file say it is: {@code gguf}, {@code pickle} (protocol 2+ opcode), {@code zip}
     * (torch.save archive) or {@code other}. Reads 8 bytes; nothing is interpreted further.
     */
    public static String sniff(Path path) {
        byte[] b = new byte[8];
        int n;
        try (var in = Files.newInputStream(path)) {
            n = in.readNBytes(b, 0, 8);
        } catch (IOException e) {
            return "other";
        }
        if (n >= 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F') {
            return "gguf";
        }
        if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
            return "zip";
        }
        if (n >= 2 && (b[0] & 0xFF) == 0x80 && b[1] >= 2 && b[1] <= 5) {
            return "pickle";
        }
        return "other";
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
            List<Path> gguf = files.stream().filter(f -> f.getFileName().toString().endsWith(".gguf")).toList();
            if (gguf.size() == 1) {
                return GgufFile.open(gguf.getFirst());
            }
            throw new WeightFormatException(dir, gguf.isEmpty() ? "no .safetensors or .gguf weights in this folder"
                    : "several .gguf files in this folder: open one of them");
        }
        return st.size() == 1 ? open(st.getFirst()) : ShardedSafetensors.of(dir, st);
    }
}
