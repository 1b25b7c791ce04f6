package dev.atelier.inference.model.qwenvl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Host-side index bookkeeping of the Qwen2.5-VL vision tower for a list of {@code image_grid_thw} rows: the (h, w)
 * rotary position of every patch ({@code rot_pos_emb}), the window permutation of merged tokens and its reverse
 * ({@code get_window_index}), and the segment boundaries of windowed ({@code cu_window_seqlens}, after
 * {@code unique_consecutive}) and full ({@code cu_seqlens}) attention. Patches are in the processor's order: per
 * image and frame, merge-blocks row-major, the {@code merge x merge} patches of a block row-major inside it.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py
// (Qwen2_5_VisionTransformerPretrainedModel.rot_pos_emb / get_window_index / forward)
public final class VisionLayout {
    /** Number of patches (rows of pixel_values). */
    public final int seqLen;
    /** hPos[p], wPos[p]: the rotary position of patch p, in window order. */
    public final int[] hPos;
    public final int[] wPos;
    /** Patch p of the window order is patch patchOrder[p] of the processor's order. */
    public final int[] patchOrder;
    /** Merged token i of the processor's order is merged token reverseIndex[i] of the window order. */
    public final int[] reverseIndex;
    /** Segment boundaries (in patches) for the windowed layers and for the full-attention layers. */
    public final int[] cuWindowSeqlens;
    public final int[] cuSeqlens;

    private VisionLayout(int seqLen, int[] hPos, int[] wPos, int[] patchOrder, int[] reverseIndex,
            int[] cuWindowSeqlens, int[] cuSeqlens) {
        this.seqLen = seqLen;
        this.hPos = hPos;
        this.wPos = wPos;
        this.patchOrder = patchOrder;
        this.reverseIndex = reverseIndex;
        this.cuWindowSeqlens = cuWindowSeqlens;
        this.cuSeqlens = cuSeqlens;
    }

    public static VisionLayout of(long[][] gridThw, QwenVlConfig.Vision cfg) {
        int merge = cfg.spatialMergeSize();
        int unit = cfg.spatialMergeUnit();
        int win = cfg.mergerWindowSize();
        if (win <= 0) {
            throw new IllegalArgumentException("vision_config: window_size " + cfg.windowSize()
                    + " is smaller than spatial_merge_size * patch_size");
        }
        int total = 0;
        for (long[] g : gridThw) {
            if (g.length != 3 || g[0] <= 0 || g[1] % merge != 0 || g[2] % merge != 0) {
                throw new IllegalArgumentException("image_grid_thw row " + Arrays.toString(g)
                        + " must be [t, h, w] with h and w multiples of spatial_merge_size " + merge);
            }
            total += Math.toIntExact(g[0] * g[1] * g[2]);
        }
        // rot_pos_emb: positions in the processor's order.
        int[] h0 = new int[total];
        int[] w0 = new int[total];
        int p = 0;
        for (long[] g : gridThw) {
            int t = (int) g[0];
            int h = (int) g[1];
            int w = (int) g[2];
            for (int f = 0; f < t; f++) {
                for (int bh = 0; bh < h / merge; bh++) {
                    for (int bw = 0; bw < w / merge; bw++) {
                        for (int ih = 0; ih < merge; ih++) {
                            for (int iw = 0; iw < merge; iw++) {
                                h0[p] = bh * merge + ih;
                                w0[p] = bw * merge + iw;
                                p++;
                            }
                        }
                    }
                }
            }
        }
        // get_window_index: merged-token permutation and window lengths.
        List<Integer> windowIndex = new ArrayList<>();
        List<Integer> cuWin = new ArrayList<>();
        cuWin.add(0);
        int offset = 0;
        for (long[] g : gridThw) {
            int t = (int) g[0];
            int lh = (int) g[1] / merge;
            int lw = (int) g[2] / merge;
            // The reference pads by win - (n % win): a full extra window of padding when n divides evenly,
            // which only adds empty windows (removed by unique_consecutive below).
            int nwh = (lh + win - lh % win) / win;
            int nww = (lw + win - lw % win) / win;
            for (int f = 0; f < t; f++) {
                for (int wy = 0; wy < nwh; wy++) {
                    for (int wx = 0; wx < nww; wx++) {
                        int count = 0;
                        for (int y = wy * win; y < Math.min((wy + 1) * win, lh); y++) {
                            for (int x = wx * win; x < Math.min((wx + 1) * win, lw); x++) {
                                windowIndex.add(offset + (f * lh + y) * lw + x);
                                count++;
                            }
                        }
                        cuWin.add(cuWin.getLast() + count * unit);
                    }
                }
            }
            offset += t * lh * lw;
        }
        int merged = windowIndex.size();
        int[] reverse = new int[merged];
        int[] order = new int[total];
        int[] hPos = new int[total];
        int[] wPos = new int[total];
        for (int i = 0; i < merged; i++) {
            int src = windowIndex.get(i);
            reverse[src] = i;
            for (int j = 0; j < unit; j++) {
                order[i * unit + j] = src * unit + j;
                hPos[i * unit + j] = h0[src * unit + j];
                wPos[i * unit + j] = w0[src * unit + j];
            }
        }
        int[] cuWindow = cuWin.stream().mapToInt(Integer::intValue).distinct().toArray();
        List<Integer> cuFull = new ArrayList<>();
        cuFull.add(0);
        for (long[] g : gridThw) {
            for (int f = 0; f < g[0]; f++) {
                cuFull.add(cuFull.getLast() + (int) (g[1] * g[2]));
            }
        }
        return new VisionLayout(total, hPos, wPos, order, reverse, cuWindow,
                cuFull.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Segment id of every position for the given boundaries (for a block-diagonal attention mask). */
    public static int[] segmentIds(int[] cu, int seqLen) {
        int[] ids = new int[seqLen];
        for (int s = 0; s + 1 < cu.length; s++) {
            Arrays.fill(ids, cu[s], cu[s + 1], s);
        }
        return ids;
    }
}
