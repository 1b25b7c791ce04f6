package dev.atelier.inference.model.qwenvl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Position ids [3][B][L] of the language model's M-RoPE, in the two ways transformers 5.17 computes them.
 *
 * <p>{@link Mode#PIPELINE}: what {@code Qwen2_5_VLModel.forward} does when it is called as the diffusers Qwen-Image
 * pipelines call it (input_ids, attention_mask, pixel_values, image_grid_thw, but no {@code mm_token_type_ids}):
 * it cannot build 3-D positions, leaves {@code position_ids = None}, and the text model uses
 * {@code cache_position}, i.e. {@code 0..L-1} on all three axes for every row, padding included. The fixture's
 * {@code edit.position_ids} and every reference hidden state were computed this way.
 *
 * <p>{@link Mode#MULTIMODAL}: {@code get_rope_index} proper (what transformers 4.x computed inside forward, and
 * 5.x computes when {@code mm_token_type_ids} is passed): text tokens count up on all axes; the merged tokens of an
 * image take {@code (0, row, col)} offset by the text before them; text after an image continues from the largest
 * position + 1; padding positions are 0.
 */
public final class RopeIndex {
    private RopeIndex() {}

    /** How position ids are computed (see the class comment). */
    public enum Mode {
        /** diffusers @58eb52c + transformers 5.17 as the pipelines call it: cache positions 0..L-1. */
        PIPELINE,
        /** get_rope_index with image grids (3-D positions for image tokens). */
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
     * @param inputIds      [B][L]
     * @param attentionMask [B][L] (1 = token, 0 = padding), or {@code null} for all ones
     * @param imageGridThw  [nImages][3] in the order the images appear in the batch, or {@code null} (text only:
     *                      cumulative count of the mask, as transformers 4.x)
     * @return position ids [3][B][L] of get_rope_index
     */
    static long[][][] positionIds(long[][] inputIds, long[][] attentionMask, long[][] imageGridThw,
            QwenVlConfig cfg) {
        int b = inputIds.length;
        int l = b == 0 ? 0 : inputIds[0].length;
        long[][][] pos = new long[3][b][l];
        if (imageGridThw == null) {
            for (int i = 0; i < b; i++) {
                long c = 0;
                for (int j = 0; j < l; j++) {
                    long p;
                    if (attentionMask == null) {
                        p = j;
                    } else {
                        c += attentionMask[i][j];
                        p = attentionMask[i][j] == 0 ? 1 : c - 1;
                    }
                    for (int a = 0; a < 3; a++) {
                        pos[a][i][j] = p;
                    }
                }
            }
            return pos;
        }
        int merge = cfg.vision().spatialMergeSize();
        long imageToken = cfg.imageTokenId();
        int imageIndex = 0;
        for (int i = 0; i < b; i++) {
            for (int a = 0; a < 3; a++) {
                Arrays.fill(pos[a][i], 0);
            }
            List<Integer> keep = new ArrayList<>();
            for (int j = 0; j < l; j++) {
                if (attentionMask == null || attentionMask[i][j] == 1) {
                    keep.add(j);
                }
            }
            long[] tokens = new long[keep.size()];
            for (int k = 0; k < tokens.length; k++) {
                tokens[k] = inputIds[i][keep.get(k)];
            }
            int imageNums = 0;
            for (int k = 0; k + 1 < tokens.length; k++) {
                if (tokens[k] == cfg.visionStartTokenId() && tokens[k + 1] == imageToken) {
                    imageNums++;
                }
            }
            long[][] out = new long[3][tokens.length];
            int filled = 0;
            long next = 0; // max position so far + 1
            int st = 0;
            for (int n = 0; n < imageNums; n++) {
                int ed = indexOf(tokens, imageToken, st);
                if (ed < 0) {
                    throw new IllegalArgumentException("row " + i + ": a <|vision_start|> is not followed by "
                            + "<|image_pad|> tokens");
                }
                if (imageIndex >= imageGridThw.length) {
                    throw new IllegalArgumentException("the prompts hold more images than image_grid_thw rows ("
                            + imageGridThw.length + ")");
                }
                long[] g = imageGridThw[imageIndex++];
                int gt = (int) g[0];
                int gh = (int) g[1] / merge;
                int gw = (int) g[2] / merge;
                int textLen = ed - st;
                long stIdx = next;
                for (int k = 0; k < textLen; k++) {
                    for (int a = 0; a < 3; a++) {
                        out[a][filled] = stIdx + k;
                    }
                    filled++;
                }
                long base = textLen + stIdx;
                long max = stIdx + textLen - 1;
                for (int f = 0; f < gt; f++) {
                    // images have second_per_grid_t = 0: the temporal index is 0 for every frame
                    long tIndex = 0;
                    for (int y = 0; y < gh; y++) {
                        for (int x = 0; x < gw; x++) {
                            if (filled >= tokens.length) {
                                throw new IllegalArgumentException("row " + i + ": image " + imageIndex
                                        + " needs " + gt * gh * gw + " <|image_pad|> tokens; the prompt ends first");
                            }
                            out[0][filled] = tIndex + base;
                            out[1][filled] = y + base;
                            out[2][filled] = x + base;
                            max = Math.max(max, Math.max(tIndex, Math.max(y, x)) + base);
                            filled++;
                        }
                    }
                }
                next = max + 1;
                st = ed + gt * gh * gw;
            }
            if (st < tokens.length) {
                long stIdx = next;
                for (int k = 0; k < tokens.length - st; k++) {
                    for (int a = 0; a < 3; a++) {
                        out[a][filled] = stIdx + k;
                    }
                    filled++;
                }
            }
            for (int k = 0; k < keep.size(); k++) {
                for (int a = 0; a < 3; a++) {
                    pos[a][i][keep.get(k)] = out[a][k];
                }
            }
        }
        return pos;
    }

    private static int indexOf(long[] tokens, long value, int from) {
        for (int k = from; k < tokens.length; k++) {
            if (tokens[k] == value) {
                return k;
            }
        }
        return -1;
    }
}
