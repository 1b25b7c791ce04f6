package dev.atelier.inference.model.qwenvl;

/**
 * Position ids [3][B][L] of the language model's M-RoPE, in the two ways transformers 5.17 computes them.
 *
 * <p>{@link Mode#PIPELINE}: what {@code Qwen2_5_VLModel.forward} does when it is called as the diffusers Qwen-Image
 * pipelines call it (input_ids, attention_mask, pixel_values, image_grid_thw, but no {@code mm_token_type_ids}):
 * it cannot build 3-D positions, leaves {@code position_ids = None}, and the text model uses
 * {@code cache_position}, i.e. {@code 0..L-1} on all three axes for every row, padding included. The fixture's
 * {@code edit.position_ids} and every reference hidden state were computed this way.
 *
 * <p>{@link Mode#MULTIMODAL}: {@code get_rope_index} proper (what 5.x computes when {@code mm_token_type_ids} is
 * passed, and transformers 4.x computed inside forward from the token ids): text tokens count up on all axes; the
 * merged tokens of an image take 3-D (frame, row, col) positions offset by the text before them; text after an
 * image continues from there + max(h, w) / merge.
 *
 * <p>The two differ only for prompts with images (edit). PIPELINE is a known regression of diffusers with
 * transformers >= 5 (diffusers issue #14194, open PR #14189: the pipelines do not forward mm_token_type_ids);
 * MULTIMODAL is what the model computed with transformers 4.x, i.e. when Qwen-Image-Edit was released. The fixtures
 * were made with the regression, so PIPELINE is the parity default; see {@link QwenVlModel#ropeMode}.
 */
public final class RopeIndex {
    private RopeIndex() {}

    /** How position ids are computed (see the class comment). */
    public enum Mode {
        /** diffusers @58eb52c + transformers 5.17 as the pipelines call it: cache positions 0..L-1. */
        PIPELINE,
        /** get_rope_index with image grids and mm_token_type_ids (3-D positions for image tokens). */
        MULTIMODAL
    }

    public static long[][][] positionIds(Mode mode, long[][] inputIds, long[][] attentionMask, long[][] imageGridThw,
            QwenVlConfig cfg) {
        if (mode == Mode.PIPELINE || imageGridThw == null) {
            int b = inputIds.length;
            int l = b == 0 ? 0 : inputIds[0].length;
            long[][][] pos = new long[3][b][l];
            for (int a = 0; a < 3; a++) {
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < l; j++) {
                        pos[a][i][j] = j;
                    }
                }
            }
            return pos;
        }
        return positionIds(inputIds, attentionMask, imageGridThw, cfg);
    }

    /**
     * get_rope_index of transformers 5.17 with {@code mm_token_type_ids} = 1 on {@code <|image_pad|>} tokens (what
     * the processor returns). Per row, over the unpadded tokens grouped into runs of text and image tokens: a text
     * run counts up from the current position; an image run (one image, in batch order) takes
     * {@code (pos + f, pos + row, pos + col)} over its merged grid, and the current position then advances by
     * {@code max(h, w) / merge}. Padding positions are 0.
     *
     * @param inputIds      [B][L]
     * @param attentionMask [B][L] (1 = token, 0 = padding), or {@code null} for all ones
     * @param imageGridThw  [nImages][3] in the order the images appear in the batch
     * @return position ids [3][B][L]
     */
    static long[][][] positionIds(long[][] inputIds, long[][] attentionMask, long[][] imageGridThw, QwenVlConfig cfg) {
        int b = inputIds.length;
        int l = b == 0 ? 0 : inputIds[0].length;
        long[][][] pos = new long[3][b][l];
        int merge = cfg.vision().spatialMergeSize();
        long imageToken = cfg.imageTokenId();
        int imageIndex = 0;
        for (int i = 0; i < b; i++) {
            long current = 0;
            int j = 0;
            while (j < l) {
                if (attentionMask != null && attentionMask[i][j] == 0) {
                    j++;
                    continue;
                }
                if (inputIds[i][j] != imageToken) {
                    for (int a = 0; a < 3; a++) {
                        pos[a][i][j] = current;
                    }
                    current++;
                    j++;
                    continue;
                }
                if (imageIndex >= imageGridThw.length) {
                    throw new IllegalArgumentException("the prompts hold more images than image_grid_thw rows ("
                            + imageGridThw.length + ")");
                }
                long[] g = imageGridThw[imageIndex++];
                long gh = g[1] / merge;
                long gw = g[2] / merge;
                // the run of image tokens is this image's merged grid, frame by frame, row-major
                long n = 0;
                while (j < l && inputIds[i][j] == imageToken && (attentionMask == null || attentionMask[i][j] != 0)) {
                    long f = n / (gh * gw);
                    long r = (n / gw) % gh;
                    long c = n % gw;
                    pos[0][i][j] = current + f;
                    pos[1][i][j] = current + r;
                    pos[2][i][j] = current + c;
                    n++;
                    j++;
                }
                if (n != g[0] * gh * gw) {
                    throw new IllegalArgumentException("row " + i + ": an image needs " + g[0] * gh * gw
                            + " <|image_pad|> tokens, the prompt has " + n);
                }
                current += Math.max(gh, gw);
            }
        }
        return pos;
    }
}
