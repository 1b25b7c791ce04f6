package dev.atelier.inference.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.LoraFormat;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a LoRA file in any of the layouts Qwen-Image LoRAs ship in and resolves its modules against the base
 * model's Linear layers:
 * <ul>
 *   <li>lightx2v / ComfyUI: {@code <module>.lora_down.weight [r, in]}, {@code <module>.lora_up.weight [out, r]},
 *       {@code <module>.alpha} (0-dim), with or without a {@code diffusion_model.} prefix; scale = alpha / r
 *       (no alpha: 1);</li>
 *   <li>PEFT / diffusers: {@code transformer.<module>.lora_A.weight}, {@code .lora_B.weight}; no alpha, so
 *       diffusers uses alpha = rank and the scale is 1;</li>
 *   <li>kohya: {@code lora_unet_<module with every . replaced by _>.lora_down/.lora_up/.alpha}. The underscores are
 *       mapped back through the base model's own module names (never guessed): a name that two modules share
 *       is refused as ambiguous.</li>
 * </ul>
 * A file matching no module is refused (a LoRA for another model); a partial match loads and lists the rest in
 * {@link LoraAdapter#unmatched()}. A down/up pair whose in/out sizes differ from the base layer is refused.
 * Pickle files are refused by {@link WeightStores#open} (by extension and by magic bytes), never unpickled.
 */
// Key layouts as read in huggingface/diffusers src/diffusers/loaders/lora_conversion_utils.py
// (_convert_non_diffusers_qwen_lora_to_diffusers) @58eb52c0803ea9af3abec60841c2a093bdf1f951.
public final class LoraLoader {
    private static final List<String> PREFIXES = List.of("base_model.model.", "model.diffusion_model.",
            "diffusion_model.", "transformer.");

    private LoraLoader() {}

    /**
     * The Linear layers of a base weight table: every 2-D {@code <module>.weight} → {@code [out, in]}. Pass the
     * canonical (diffusers-named) view of the base model, e.g. {@code KeyMapper.view(store, TRANSFORMER)}.
     */
    public static Map<String, long[]> linearModules(WeightStore base) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (TensorInfo t : base.tensors().values()) {
            if (t.name().endsWith(".weight") && t.shape().length == 2) {
                out.put(t.name().substring(0, t.name().length() - ".weight".length()), t.shape());
            }
        }
        return out;
    }

    /** Opens {@code file} and loads it (float32 tensors in a new sub-manager of {@code manager}). */
    public static LoraAdapter load(Path file, Map<String, long[]> baseModules, NDManager manager) {
        try (WeightStore store = WeightStores.open(file)) {
            return load(store, baseModules, manager);
        }
    }

    private record Parts(String down, String up, String alpha) {}

    /**
     * Reads {@code file}'s header only and fails with a {@link WeightFormatException} naming it unless it is a LoRA
     * (checked before the transformer loads, so a wrong file costs no model load).
     */
    public static void check(Path file) {
        try (WeightStore store = WeightStores.open(file)) {
            format(store);
        }
    }

    private static LoraFormat format(WeightStore store) {
        return LoraFormat.detect(store.tensors().keySet()).orElseThrow(() -> new WeightFormatException(
                store.source(), "not a LoRA: no lora_down/lora_up, lora_A/lora_B or lora_unet_ keys (e.g. "
                + store.tensors().keySet().stream().limit(3).toList() + ")"));
    }

    public static LoraAdapter load(WeightStore store, Map<String, long[]> baseModules, NDManager manager) {
        Path file = store.source();
        LoraFormat format = format(store);
        Map<String, Parts> byModule = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (String key : store.tensors().keySet()) {
            String[] split = split(key);
            if (split == null) {
                ignored.add(key);
                continue;
            }
            Parts p = byModule.getOrDefault(split[0], new Parts(null, null, null));
            p = switch (split[1]) {
                case "down" -> new Parts(key, p.up(), p.alpha());
                case "up" -> new Parts(p.down(), key, p.alpha());
                default -> new Parts(p.down(), p.up(), key);
            };
            byModule.put(split[0], p);
        }
        Map<String, String> kohya = format == LoraFormat.KOHYA ? kohyaNames(baseModules.keySet()) : Map.of();
        List<String> unmatched = new ArrayList<>();
        // Keys that are not low-rank pairs (e.g. full-weight .diff / .diff_b deltas) are not applied: listed.
        ignored.forEach(k -> unmatched.add(k + " (not a lora_down/lora_up/lora_A/lora_B/alpha key: not applied)"));
        Map<String, LoraAdapter.Target> targets = new LinkedHashMap<>();
        NDManager m = manager.newSubManager();
        try {
            for (Map.Entry<String, Parts> e : byModule.entrySet()) {
                String module = resolve(e.getKey(), format, baseModules, kohya, file);
                if (module == null) {
                    unmatched.add(e.getKey());
                    continue;
                }
                Parts p = e.getValue();
                if (p.down() == null || p.up() == null) {
                    throw new WeightFormatException(file, "LoRA module '" + e.getKey() + "' has "
                            + (p.down() == null ? "no down/lora_A" : "no up/lora_B") + " weight");
                }
                targets.put(module, target(store, module, p, baseModules.get(module), m));
            }
        } catch (RuntimeException ex) {
            m.close();
            throw ex;
        }
        if (targets.isEmpty()) {
            m.close();
            throw new WeightFormatException(file, "this LoRA (" + format.description() + ") matches no layer of the "
                    + "model: it is for another model. Its modules look like " + unmatched.stream().limit(3).toList()
                    + ", the model's like " + baseModules.keySet().stream().limit(3).toList());
        }
        return new LoraAdapter(file, format, targets, unmatched, m);
    }

    /** {module, "down"|"up"|"alpha"} of a LoRA key, or null for other keys. */
    private static String[] split(String key) {
        String[][] suffixes = {{".lora_down.weight", "down"}, {".lora_up.weight", "up"}, {".lora_A.weight", "down"},
            {".lora_B.weight", "up"}, {".alpha", "alpha"}};
        for (String[] s : suffixes) {
            if (key.endsWith(s[0])) {
                return new String[] {key.substring(0, key.length() - s[0].length()), s[1]};
            }
        }
        return null;
    }

    private static String resolve(String module, LoraFormat format, Map<String, long[]> base, Map<String, String> kohya,
                                  Path file) {
        if (format == LoraFormat.KOHYA) {
            if (!module.startsWith("lora_unet_")) {
                return null;
            }
            String flat = module.substring("lora_unet_".length());
            String m = kohya.get(flat);
            if (m == null && kohya.containsKey(flat)) {
                throw new WeightFormatException(file, "kohya module '" + module + "' is ambiguous: several layers of"
                        + " the model flatten to '" + flat + "'");
            }
            return m;
        }
        if (base.containsKey(module)) {
            return module;
        }
        for (String p : PREFIXES) {
            if (module.startsWith(p) && base.containsKey(module.substring(p.length()))) {
                return module.substring(p.length());
            }
        }
        return null;
    }

    /** kohya name (dots → underscores) → module; ambiguous names map to null. */
    static Map<String, String> kohyaNames(Set<String> modules) {
        Map<String, String> out = new HashMap<>();
        Set<String> ambiguous = new LinkedHashSet<>();
        for (String m : modules) {
            String flat = m.replace('.', '_');
            if (out.containsKey(flat) && !out.get(flat).equals(m)) {
                ambiguous.add(flat);
            }
            out.put(flat, m);
        }
        ambiguous.forEach(a -> out.put(a, null));
        return out;
    }

    private static LoraAdapter.Target target(WeightStore store, String module, Parts p, long[] baseShape, NDManager m) {
        Path file = store.source();
        long[] down = store.info(p.down()).shape();
        long[] up = store.info(p.up()).shape();
        if (down.length != 2 || up.length != 2 || down[0] != up[1]) {
            throw new WeightFormatException(file, "LoRA module '" + module + "': down " + Arrays.toString(down)
                    + " and up " + Arrays.toString(up) + " are not [r, in] and [out, r]");
        }
        if (up[0] != baseShape[0] || down[1] != baseShape[1]) {
            throw new WeightFormatException(file, "LoRA module '" + module + "' changes a [" + up[0] + ", " + down[1]
                    + "] weight but the model's is " + Arrays.toString(baseShape)
                    + ": this LoRA is for another size of model");
        }
        float scale = 1f;
        if (p.alpha() != null) {
            NDArray a = store.load(p.alpha(), m, DataType.FLOAT32);
            scale = a.toFloatArray()[0] / down[0];
            a.close();
        }
        return new LoraAdapter.Target(module, store.load(p.down(), m, DataType.FLOAT32),
                store.load(p.up(), m, DataType.FLOAT32), scale);
    }
}
