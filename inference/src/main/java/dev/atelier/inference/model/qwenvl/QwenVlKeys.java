package dev.atelier.inference.model.qwenvl;

import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import java.util.function.UnaryOperator;

/**
 * Key layouts of Qwen2.5-VL text-encoder weights. Model code binds the names diffusers folders saved by recent
 * transformers use ({@code model.embed_tokens.*}, {@code model.layers.*}, {@code model.norm.*}, {@code visual.*};
 * ComfyUI's single file uses the same names without {@code lm_head}); Hub files and transformers' in-memory names
 * put the same tensors under {@code model.language_model.*} / {@code model.visual.*}. Any further prefix in front
 * (e.g. a merged checkpoint's {@code text_encoders.qwen25_7b.transformer.}) is found from the tensors themselves.
 * {@code lm_head.weight} is never read.
 */
public final class QwenVlKeys {
    private static final String EMBED = "embed_tokens.weight";
    private static final String PATCH = "patch_embed.proj.weight";

    private QwenVlKeys() {}

    /** Maps a canonical key ({@code model.*} / {@code visual.*}) to the store's key. */
    public static UnaryOperator<String> keyMap(WeightStore store) {
        String lm = findPrefix(store, EMBED, "model.language_model.", "model.");
        if (lm == null) {
            throw new WeightFormatException(store.source(), "no '*" + EMBED + "' tensor: this is not a Qwen2.5-VL "
                    + "text encoder (expected model.embed_tokens.weight or model.language_model.embed_tokens.weight)");
        }
        String vis = findPrefix(store, PATCH, "model.visual.", "visual.");
        String visual = vis == null ? "visual." : vis;
        return key -> {
            if (key.startsWith("model.")) {
                return lm + key.substring("model.".length());
            }
            if (key.startsWith("visual.")) {
                return visual + key.substring("visual.".length());
            }
            return key;
        };
    }

    /** Whether the store holds the vision tower. */
    public static boolean hasVision(WeightStore store) {
        return findPrefix(store, PATCH, "model.visual.", "visual.") != null;
    }

    private static String findPrefix(WeightStore store, String suffix, String preferred, String plain) {
        if (store.contains(preferred + suffix)) {
            return preferred;
        }
        if (store.contains(plain + suffix)) {
            return plain;
        }
        String found = null;
        for (String k : store.tensors().keySet()) {
            if (k.endsWith("." + suffix) && !k.contains(".layers.") && !k.contains(".blocks.")) {
                String p = k.substring(0, k.length() - suffix.length());
                if (found == null || p.length() < found.length()) {
                    found = p;
                }
            }
        }
        return found;
    }
}
