package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The pipelines' text-encoder stage ({@code _get_qwen_prompt_embeds} + {@code encode_prompt}) on already tokenized
 * input: run the encoder, keep the hidden states of the valid tokens ({@code _extract_masked_hidden}), drop the
 * first {@code drop_idx} of each prompt (the template's system part), right-pad with zeros to the longest prompt and
 * build the embeddings mask; then cut to {@code max_sequence_length} (text-to-image only) and report whether the
 * mask has padding ({@code encode_prompt} returns {@code None} for the mask when it has none).
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py and
// pipeline_qwenimage_edit_plus.py (_extract_masked_hidden, _get_qwen_prompt_embeds, encode_prompt)
// @58eb52c0803ea9af3abec60841c2a093bdf1f951
public final class QwenVlPromptEncoder {
    /** {@code prompt_template_encode_start_idx} of QwenImagePipeline. */
    public static final int T2I_DROP_IDX = 34;
    /** {@code prompt_template_encode_start_idx} of the edit pipelines. */
    public static final int EDIT_DROP_IDX = 64;
    /** {@code max_sequence_length} default of QwenImagePipeline.encode_prompt (the edit pipelines do not cut). */
    public static final int MAX_SEQUENCE_LENGTH = 1024;

    /**
     * Prompt embeddings and their mask.
     *
     * @param embeds  [B, maxLen, hidden] in the model's type, zero rows after each prompt's length
     * @param mask    [B][maxLen] 1 for real tokens, 0 for padding (diffusers' {@code encoder_attention_mask})
     * @param lengths kept tokens per prompt
     */
    public record PromptEmbeds(NDArray embeds, long[][] mask, int[] lengths) {
        /** False when every prompt has the same length: diffusers' encode_prompt then passes mask=None. */
        public boolean hasPadding() {
            return Arrays.stream(lengths).anyMatch(n -> n != (mask.length == 0 ? 0 : mask[0].length));
        }

        /** The mask as an int64 NDArray [B, maxLen] in {@code m}. */
        public NDArray maskArray(NDManager m) {
            int b = mask.length;
            int l = b == 0 ? 0 : mask[0].length;
            long[] flat = new long[b * l];
            for (int i = 0; i < b; i++) {
                System.arraycopy(mask[i], 0, flat, i * l, l);
            }
            return m.create(flat, new Shape(b, l));
        }
    }

    private final QwenVlModel model;

    public QwenVlPromptEncoder(QwenVlModel model) {
        this.model = model;
    }

    public QwenVlModel model() {
        return model;
    }

    /**
     * Encodes tokenized prompts (and optionally the condition images of an edit prompt).
     *
     * @param inputIds          [B][L] (padded on the right, as the tokenizer/processor pads)
     * @param attentionMask     [B][L]
     * @param pixelValues       processor pixel_values [N, C*T*P*P] or {@code null}
     * @param imageGridThw      processor image_grid_thw or {@code null}
     * @param dropIdx           {@link #T2I_DROP_IDX} or {@link #EDIT_DROP_IDX}
     * @param maxSequenceLength cut of encode_prompt ({@link #MAX_SEQUENCE_LENGTH} for text-to-image), or 0 for none
     * @param out               manager that owns the returned embeddings
     */
    public PromptEmbeds encode(long[][] inputIds, long[][] attentionMask, NDArray pixelValues, long[][] imageGridThw,
            int dropIdx, int maxSequenceLength, NDManager out) {
        int b = inputIds.length;
        int l = inputIds[0].length;
        long[][] mask = attentionMask != null ? attentionMask : ones(b, l);
        PromptEmbeds r;
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.forward(inputIds, mask, pixelValues, imageGridThw, out);
            r = extract(hidden, mask, dropIdx, maxSequenceLength);
            NDScope.unregister(r.embeds());
            r.embeds().attach(out);
        }
        NDScope.register(r.embeds());
        return r;
    }

    /**
     * {@code _extract_masked_hidden} + drop + zero padding + mask, on a last hidden state [B, L, hidden].
     * The gather reads a zero row appended after the B*L token rows for every padding slot.
     */
    public static PromptEmbeds extract(NDArray hidden, long[][] attentionMask, int dropIdx, int maxSequenceLength) {
        int b = (int) hidden.getShape().get(0);
        int l = (int) hidden.getShape().get(1);
        long h = hidden.getShape().get(2);
        int[][] kept = new int[b][];
        int maxLen = 0;
        for (int i = 0; i < b; i++) {
            int[] valid = new int[l];
            int n = 0;
            for (int j = 0; j < l; j++) {
                if (attentionMask[i][j] != 0) {
                    valid[n++] = j;
                }
            }
            kept[i] = n > dropIdx ? Arrays.copyOfRange(valid, dropIdx, n) : new int[0];
            maxLen = Math.max(maxLen, kept[i].length);
        }
        int outLen = maxSequenceLength > 0 ? Math.min(maxLen, maxSequenceLength) : maxLen;
        long zeroRow = (long) b * l;
        long[] index = new long[b * outLen];
        long[][] mask = new long[b][outLen];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            lengths[i] = Math.min(kept[i].length, outLen);
            for (int j = 0; j < outLen; j++) {
                boolean real = j < kept[i].length;
                index[i * outLen + j] = real ? (long) i * l + kept[i][j] : zeroRow;
                mask[i][j] = real ? 1 : 0;
            }
        }
        NDManager m = hidden.getManager();
        NDArray table = hidden.reshape(-1, h).concat(m.zeros(new Shape(1, h), hidden.getDataType()), 0);
        NDArray embeds = table.get(new NDIndex("{}", m.create(index))).reshape(b, outLen, h);
        return new PromptEmbeds(embeds, mask, lengths);
    }

    private static long[][] ones(int b, int l) {
        long[][] m = new long[b][l];
        for (long[] row : m) {
            Arrays.fill(row, 1);
        }
        return m;
    }
}
