package dev.atelier.inference.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a weight file (or diffusers component folder) is: which component, which architecture/variant, which
 * storage format, which key layout. Reads names, dtypes and markers only, never tensor data.
 *
 * <p>Variant rule for the transformer: ComfyUI's Qwen-Image model registers the empty {@code __index_timestep_zero__}
 * buffer when {@code default_ref_method == "index_timestep_zero"} (Edit-2511), so its presence means 2511 and its
 * absence a model without zero_cond_t (2512, or an older Qwen-Image/Edit). A diffusers folder says it in
 * {@code config.json} ({@code zero_cond_t}). GGUF files cannot hold the empty marker: there the variant is taken
 * from {@code general.name} when it names it, else reported as unknown.
 */
public final class ModelDetector {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Component { TRANSFORMER, TEXT_ENCODER, VAE, LORA, UNKNOWN }

    /** Storage formats. */
    public enum Format { FP32, BF16, FP16, FP8_SCALED, FP8_MIXED, FP8_UNSCALED, GGUF, MIXED_FLOAT, UNKNOWN }

    /** The answer. {@code architecture} is e.g. {@code qwen-image-edit-2511}; notes hold the evidence. */
    public record Detection(Path path, Component component, String architecture, Format format, String layout,
                            List<String> notes) {
        public String summary() {
            return component.name().toLowerCase(Locale.ROOT) + " " + architecture + ", format "
                    + format.name().toLowerCase(Locale.ROOT) + (layout == null ? "" : ", layout " + layout);
        }
    }

    private ModelDetector() {}

    /** Detects what {@code path} holds (opens it through {@link WeightStores}; fp8 files are read without refusing). */
    public static Detection detect(Path path) {
        WeightStore raw = WeightStores.openRaw(path);
        WeightStore store = raw instanceof SafetensorsFile f ? Fp8ScaledStore.wrapIfQuantizedLenient(f) : raw;
        try (store) {
            return detect(path, store);
        }
    }

    /** Detects from an open store ({@code path} is where it came from: a folder's config.json is consulted). */
    public static Detection detect(Path path, WeightStore store) {
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> t = store.tensors();
        Format format = format(store, notes);
        if (store instanceof GgufFile g && g.architecture() != null && !g.architecture().equals("qwen_image")) {
            notes.add("GGUF general.architecture = '" + g.architecture() + "': not a Qwen-Image model (ComfyUI-GGUF "
                    + "names Qwen-Image files 'qwen_image')");
            return new Detection(path, Component.UNKNOWN, g.architecture(), format, null, notes);
        }
        Optional<LoraFormat> lora = LoraFormat.detect(t.keySet());
        if (lora.isPresent()) {
            notes.add("LoRA keys: " + lora.get().description());
            t.values().stream().filter(i -> i.name().endsWith(".lora_down.weight") || i.name().endsWith(".lora_A.weight"))
                    .findFirst().ifPresent(i -> notes.add("rank " + i.shape()[0] + " (first module)"));
            boolean qwen = t.keySet().stream().anyMatch(k -> k.contains("transformer_blocks") && (k.contains("img_mod")
                    || k.contains("txt_mlp") || k.contains("add_q_proj") || k.contains("img_mlp")));
            return new Detection(path, Component.LORA, qwen ? "qwen-image transformer LoRA"
                    : "LoRA (not for a Qwen-Image transformer by its key names)", format,
                    lora.get().name().toLowerCase(Locale.ROOT), notes);
        }
        for (KeyMapper.Component c : KeyMapper.Component.values()) {
            Optional<KeyMapper.Layout> layout = KeyMapper.of(c).detect(t.keySet());
            if (layout.isEmpty()) {
                continue;
            }
            return switch (c) {
                case TRANSFORMER -> new Detection(path, Component.TRANSFORMER, transformerVariant(path, store, notes),
                        format, layout.get().name(), notes);
                case TEXT_ENCODER -> new Detection(path, Component.TEXT_ENCODER, "qwen2.5-vl", format,
                        layout.get().name(), notes);
                case VAE -> new Detection(path, Component.VAE, "qwen-image-vae (wan-2.1 architecture)", format,
                        layout.get().name(), notes);
            };
        }
        notes.add("no key matches a known component (e.g. " + t.keySet().stream().limit(3).toList() + ")");
        return new Detection(path, Component.UNKNOWN, "unknown", format, null, notes);
    }

    private static String transformerVariant(Path path, WeightStore store, List<String> notes) {
        Map<String, TensorInfo> t = store.tensors();
        boolean marker = t.keySet().stream().anyMatch(k -> k.endsWith("__index_timestep_zero__"));
        if (marker) {
            notes.add("__index_timestep_zero__ present: Edit-2511 (zero_cond_t)");
            return "qwen-image-edit-2511";
        }
        Path config = path != null && Files.isDirectory(path) ? path.resolve("config.json") : null;
        if (config != null && Files.isRegularFile(config)) {
            try {
                JsonNode c = JSON.readTree(config.toFile());
                boolean zero = c.path("zero_cond_t").asBoolean(false);
                notes.add("config.json zero_cond_t = " + zero);
                return zero ? "qwen-image-edit-2511" : "qwen-image-2512";
            } catch (IOException e) {
                notes.add("config.json unreadable: " + e.getMessage());
            }
        }
        if (store instanceof GgufFile g || (store instanceof MappedStore m && m.base() instanceof GgufFile)) {
            GgufFile gg = store instanceof GgufFile g2 ? g2 : (GgufFile) ((MappedStore) store).base();
            String name = String.valueOf(gg.keyValues().getOrDefault("general.name", "")).toLowerCase(Locale.ROOT);
            notes.add("GGUF general.architecture = " + gg.architecture() + ", general.name = '" + name + "'");
            if (name.contains("2511")) {
                notes.add("variant taken from general.name (GGUF cannot carry __index_timestep_zero__)");
                return "qwen-image-edit-2511";
            }
            if (name.contains("2512")) {
                notes.add("variant taken from general.name");
                return "qwen-image-2512";
            }
            return "qwen-image (variant unknown: GGUF has no __index_timestep_zero__ marker; choose 2511 or 2512)";
        }
        notes.add("no __index_timestep_zero__ marker: not Edit-2511");
        return "qwen-image-2512";
    }

    private static Format format(WeightStore store, List<String> notes) {
        if (store instanceof GgufFile g) {
            Map<String, Integer> types = new TreeMap<>();
            g.tensors().values().forEach(i -> types.merge(i.dtype(), 1, Integer::sum));
            notes.add("GGUF v" + g.version() + " types: " + types);
            return Format.GGUF;
        }
        if (store instanceof Fp8ScaledStore f) {
            notes.add(f.quantizedCount() + " fp8 weights with per-tensor scales");
            return switch (f.layout()) {
                case SCALED_FP8 -> Format.FP8_SCALED;
                case MIXED -> Format.FP8_MIXED;
                case UNSCALED -> Format.FP8_UNSCALED;
            };
        }
        Map<String, Long> bytes = new TreeMap<>();
        for (TensorInfo i : store.tensors().values()) {
            if (i.numel() > 1) {
                bytes.merge(i.dtype(), i.numel(), Long::sum);
            }
        }
        if (bytes.isEmpty()) {
            return Format.UNKNOWN;
        }
        String main = bytes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        long total = bytes.values().stream().mapToLong(Long::longValue).sum();
        if (bytes.get(main) < total * 0.9) {
            notes.add("parameters by dtype: " + bytes);
        }
        return switch (main) {
            case "BF16" -> Format.BF16;
            case "F16" -> Format.FP16;
            case "F32" -> Format.FP32;
            default -> Format.MIXED_FLOAT;
        };
    }
}
