package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The conditioning the Qwen-Image transformer takes: the text encoder's last hidden states of the valid tokens after
 * the template head, zero-padded to the longest row, with the matching mask.
 *
 * @param embeds {@code [B, S, D]}, the dtype of the hidden states
 * @param mask {@code [B, S]} int64, 1 for real tokens
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py (_extract_masked_hidden,
// _get_qwen_prompt_embeds, encode_prompt) @58eb52c0803ea9af3abec60841c2a093bdf1f951
public record PromptEmbeds(NDArray embeds, NDArray mask) {

    /**
     * {@code _get_qwen_prompt_embeds} after the text encoder: per row, the hidden states where the attention mask is 1
     * ({@code hidden_states[bool_mask]} split by row), minus the first {@code dropIndex} of them, stacked with zero
     * padding to the longest; the mask marks the kept tokens. Rows need right padding (a prefix of ones), which is
     * what {@link QwenTokenizer} produces.
     *
     * @param hidden {@code [B, L, D]} = {@code hidden_states[-1]}
     * @param attentionMask {@code [B][L]} the tokenizer/processor mask
     */
    public static PromptEmbeds extract(NDArray hidden, long[][] attentionMask, int dropIndex) {
        Shape s = hidden.getShape();
        if (s.dimension() != 3 || s.get(0) != attentionMask.length) {
            throw new IllegalArgumentException("hidden states " + s + " do not match a mask of " + attentionMask.length + " rows");
        }
        int batch = attentionMask.length;
        long dim = s.get(2);
        int[] valid = new int[batch];
        int maxLen = 0;
        for (int b = 0; b < batch; b++) {
            long[] m = attentionMask[b];
            if (m.length != s.get(1)) {
                throw new IllegalArgumentException("mask row " + b + " has " + m.length + " entries, hidden states " + s.get(1));
            }
            int n = 0;
            while (n < m.length && m[n] == 1) {
                n++;
            }
            for (int i = n; i < m.length; i++) {
                if (m[i] != 0) {
                    throw new IllegalArgumentException("attention mask row " + b + " is not right-padded (a 1 after a 0)");
                }
            }
            valid[b] = Math.max(0, n - dropIndex);
            maxLen = Math.max(maxLen, valid[b]);
        }
        NDManager mgr = hidden.getManager();
        NDList rows = new NDList(batch);
        long[] mask = new long[batch * maxLen];
        for (int b = 0; b < batch; b++) {
            NDArray row = valid[b] > 0
                    ? hidden.get(b + ", " + dropIndex + ":" + (dropIndex + valid[b]) + ", :")
                    : mgr.zeros(new Shape(0, dim), hidden.getDataType(), hidden.getDevice());
            if (valid[b] < maxLen) {
                NDArray pad = mgr.zeros(new Shape(maxLen - valid[b], dim), hidden.getDataType(), hidden.getDevice());
                row = row.concat(pad, 0);
            }
            rows.add(row);
            java.util.Arrays.fill(mask, b * maxLen, b * maxLen + valid[b], 1L);
        }
        NDArray embeds = NDArrays.stack(rows, 0);
        NDArray m = mgr.create(mask, new Shape(batch, maxLen)).toDevice(hidden.getDevice(), false);
        return new PromptEmbeds(embeds, m);
    }

    /**
     * {@code encode_prompt}'s {@code prompt_embeds[:, :max_sequence_length]} (the pipelines' {@code __call__}
     * default is 512, at most 1024).
     */
    public PromptEmbeds truncate(int maxSequenceLength) {
        if (maxSequenceLength <= 0 || maxSequenceLength > PromptTemplate.TOKENIZER_MAX_LENGTH) {
            throw new IllegalArgumentException("max_sequence_length must be in 1..1024, got " + maxSequenceLength);
        }
        long len = embeds.getShape().get(1);
        if (len <= maxSequenceLength) {
            return this;
        }
        return new PromptEmbeds(embeds.get(":, :" + maxSequenceLength + ", :"), mask.get(":, :" + maxSequenceLength));
    }

    /** {@code encode_prompt} returns no mask when every token is valid; the transformer then attends to all. */
    public boolean maskIsAllOnes() {
        if (mask.size() == 0) {
            return true;
        }
        return mask.toType(ai.djl.ndarray.types.DataType.INT64, false).min().getLong() == 1L;
    }
}
