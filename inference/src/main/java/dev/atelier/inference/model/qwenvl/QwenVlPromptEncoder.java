package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The pipelines' text-encoder stage ({@code _get_qwen_prompt_embeds}) on tokenized input: run Qwen2.5-VL (with the
 * condition images of an edit prompt), take {@code hidden_states[-1]}, then {@link PromptEmbeds#extract} (valid
 * tokens, drop of the template head, zero padding, mask). {@code encode_prompt}'s cut to
 * {@code max_sequence_length} (text-to-image only) is {@link PromptEmbeds#truncate}; its "mask = None when all
 * valid" is {@link PromptEmbeds#maskIsAllOnes}.
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py and
// pipeline_qwenimage_edit_plus.py (_get_qwen_prompt_embeds) @58eb52c0803ea9af3abec60841c2a093bdf1f951
public final class QwenVlPromptEncoder {
    private final QwenVlModel model;

    public QwenVlPromptEncoder(QwenVlModel model) {
        this.model = model;
    }

    public QwenVlModel model() {
        return model;
    }

    /** Encodes the processor's output for a template (its drop index); embeddings on the model's device, in {@code out}. */
    public PromptEmbeds encode(QwenVlProcessor.Output inputs, PromptTemplate template, NDManager out) {
        if (!inputs.hasImages()) {
            return encode(inputs.inputIds(), inputs.attentionMask(), null, null, template.dropIndex(), out);
        }
        PixelPatches p = inputs.pixels();
        PromptEmbeds r;
        try (NDScope scope = new NDScope()) {
            NDArray pixels = out.create(p.pixelValues(), new Shape(p.shape()));
            r = encode(inputs.inputIds(), inputs.attentionMask(), pixels, p.gridThw(), template.dropIndex(), out);
            NDScope.unregister(r.embeds(), r.mask());
        }
        NDScope.register(r.embeds());
        NDScope.register(r.mask());
        return r;
    }

    /**
     * @param inputIds      [B][L] right-padded, as the tokenizer/processor pads
     * @param attentionMask [B][L], or {@code null} for all ones
     * @param pixelValues   processor pixel_values [N, C*T*P*P] or {@code null}
     * @param imageGridThw  processor image_grid_thw or {@code null}
     * @param dropIdx       the template's {@code prompt_template_encode_start_idx} (34 text-to-image, 64 edit)
     * @param out           manager that owns the returned embeddings and mask
     */
    public PromptEmbeds encode(long[][] inputIds, long[][] attentionMask, NDArray pixelValues, long[][] imageGridThw,
            int dropIdx, NDManager out) {
        long[][] mask = attentionMask != null ? attentionMask : ones(inputIds.length, inputIds[0].length);
        PromptEmbeds r;
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.forward(inputIds, mask, pixelValues, imageGridThw, out);
            r = PromptEmbeds.extract(hidden, mask, dropIdx);
            NDScope.unregister(r.embeds(), r.mask());
            r.embeds().attach(out);
            r.mask().attach(out);
        }
        NDScope.register(r.embeds());
        NDScope.register(r.mask());
        return r;
    }

    private static long[][] ones(int b, int l) {
        long[][] m = new long[b][l];
        for (long[] row : m) {
            Arrays.fill(row, 1);
        }
        return m;
    }
}
