package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.RmsNorm;
import dev.atelier.inference.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2.5-VL vision tower: patch embedding (the Conv3d with kernel = stride = [T, P, P] is a matmul on the
 * flattened patches), 2-D rotary embedding, {@code depth} blocks of windowed attention (full attention in
 * {@code fullatt_block_indexes}), and the patch merger ({@code ln_q}, then an MLP over 2x2 merged patches).
 * Input: {@code pixel_values [N, C*T*P*P]} and {@code image_grid_thw} as the processor gives them; output
 * {@code [N / merge², out_hidden_size]} in the processor's token order.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py
// (Qwen2_5_VisionTransformerPretrainedModel, Qwen2_5_VLVisionBlock, Qwen2_5_VLVisionAttention, Qwen2_5_VLPatchMerger)
public final class QwenVisionTransformer {
    /** Largest heads*L*L score tensor for one masked attention call; longer inputs loop over the windows. */
    private static final long MASKED_ATTENTION_MAX_SCORES = 1L << 28;

    private final QwenVlConfig.Vision cfg;
    private final Linear patchEmbed;
    private final List<Block> blocks;
    private final RmsNorm lnQ;
    private final Linear mergerFc1;
    private final Linear mergerFc2;
    private final float[] invFreq;
    private final NDArray scale;
    private final NDArray lowest;

    /** Binds {@code <w>.patch_embed.*}, {@code <w>.blocks.*}, {@code <w>.merger.*}; each block's weights in its own sub-manager. */
    public QwenVisionTransformer(QwenVlConfig.Vision cfg, Weights w, NDManager scalars) {
        this.cfg = cfg;
        this.lowest = scalars.create(QwenVlOps.lowest(w.dtype()));
        int d = cfg.hiddenSize();
        NDArray conv = w.pp("patch_embed").pp("proj").get("weight", d, cfg.inChannels(), cfg.temporalPatchSize(),
                cfg.patchSize(), cfg.patchSize());
        this.patchEmbed = new Linear(conv.reshape(d, cfg.patchDim()), null);
        this.blocks = new ArrayList<>();
        for (int i = 0; i < cfg.depth(); i++) {
            Weights bw = w.pp("blocks").pp(i).with(w.manager().newSubManager(), w.dtype());
            blocks.add(new Block(cfg, bw, scalars));
        }
        Weights m = w.pp("merger");
        int mergedDim = d * cfg.spatialMergeUnit();
        this.lnQ = RmsNorm.load(m.pp("ln_q"), d, 1e-6f, scalars);
        this.mergerFc1 = Linear.load(m.pp("mlp").pp(0), mergedDim, mergedDim); // mlp.0: Linear, mlp.1: GELU
        this.mergerFc2 = Linear.load(m.pp("mlp").pp(2), mergedDim, cfg.outHiddenSize());
        this.invFreq = QwenVlOps.invFreq(cfg.headDim() / 2, cfg.ropeTheta(), scalars);
        this.scale = scalars.create((float) Math.pow(cfg.headDim(), -0.5));
    }

    public QwenVlConfig.Vision config() {
        return cfg;
    }

    /** pixelValues: [N, C*T*P*P] (any float type; cast to the weights' type); returns [N / merge², out_hidden]. */
    public NDArray forward(NDArray pixelValues, long[][] gridThw) {
        VisionLayout layout = VisionLayout.of(gridThw, cfg);
        if (pixelValues.getShape().dimension() != 2 || pixelValues.getShape().get(0) != layout.seqLen
                || pixelValues.getShape().get(1) != cfg.patchDim()) {
            throw new IllegalArgumentException("pixel_values " + pixelValues.getShape() + " does not match "
                    + "image_grid_thw (" + layout.seqLen + " patches of " + cfg.patchDim() + " values)");
        }
        DataType dt = patchEmbed.weight().getDataType();
        NDManager mgr = pixelValues.getManager();
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray x = patchEmbed.forward(pixelValues.toType(dt, false));
            // Window order: the merged groups of merge² patches, permuted by the window index.
            x = x.get(new NDIndex("{}", mgr.create(layout.patchOrder)));
            NDArray[] cosSin = rotary(layout, mgr);
            NDArray windowMask = blockMask(layout.cuWindowSeqlens, layout.seqLen, mgr, dt);
            NDArray fullMask = blockMask(layout.cuSeqlens, layout.seqLen, mgr, dt);
            for (int i = 0; i < blocks.size(); i++) {
                boolean full = cfg.isFullAttention(i);
                int[] cu = full ? layout.cuSeqlens : layout.cuWindowSeqlens;
                x = blocks.get(i).forward(x, cosSin[0], cosSin[1], full ? fullMask : windowMask, cu);
            }
            NDArray merged = lnQ.forward(x).reshape(-1, (long) cfg.hiddenSize() * cfg.spatialMergeUnit());
            NDArray tokens = mergerFc2.forward(Activation.gelu(mergerFc1.forward(merged)));
            out = tokens.get(new NDIndex("{}", mgr.create(layout.reverseIndex)));
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** cos/sin [S, 1, head_dim] in float32 for the window-ordered patches. */
    private NDArray[] rotary(VisionLayout layout, NDManager mgr) {
        int half = invFreq.length; // rotary dim / 2 = head_dim / 4 frequencies per axis
        float[] freqs = new float[layout.seqLen * half * 2];
        for (int p = 0; p < layout.seqLen; p++) {
            for (int k = 0; k < half; k++) {
                // torch: outer(arange, inv_freq) in float32 -> the float product
                freqs[p * half * 2 + k] = (float) layout.hPos[p] * invFreq[k];
                freqs[p * half * 2 + half + k] = (float) layout.wPos[p] * invFreq[k];
            }
        }
        NDArray f = mgr.create(freqs, new Shape(layout.seqLen, 2L * half));
        NDArray emb = NDArrays.concat(new NDList(f, f), -1).reshape(layout.seqLen, 1, 4L * half);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /** Additive block-diagonal mask [S, S] for the segments, or {@code null} when one segment or looping. */
    private NDArray blockMask(int[] cu, int seqLen, NDManager mgr, DataType dt) {
        if (cu.length <= 2 || (long) cfg.numHeads() * seqLen * seqLen > MASKED_ATTENTION_MAX_SCORES) {
            return null;
        }
        NDArray seg = mgr.create(VisionLayout.segmentIds(cu, seqLen));
        NDArray other = seg.reshape(seqLen, 1).neq(seg.reshape(1, seqLen));
        return other.toType(dt, false).mul(lowest);
    }

    /** One vision block: {@code x + attn(norm1(x)); x + mlp(norm2(x))}. */
    static final class Block {
        private final RmsNorm norm1;
        private final RmsNorm norm2;
        private final Linear qkv;
        private final Linear proj;
        private final QwenVlOps.Mlp mlp;
        private final int heads;
        private final int headDim;
        private final NDArray scale;

        Block(QwenVlConfig.Vision cfg, Weights w, NDManager scalars) {
            int d = cfg.hiddenSize();
            this.norm1 = RmsNorm.load(w.pp("norm1"), d, 1e-6f, scalars);
            this.norm2 = RmsNorm.load(w.pp("norm2"), d, 1e-6f, scalars);
            this.qkv = Linear.load(w.pp("attn").pp("qkv"), d, 3L * d);
            this.proj = Linear.load(w.pp("attn").pp("proj"), d, d);
            this.mlp = QwenVlOps.Mlp.load(w.pp("mlp"), d, cfg.intermediateSize(), true);
            this.heads = cfg.numHeads();
            this.headDim = cfg.headDim();
            this.scale = scalars.create((float) Math.pow(headDim, -0.5));
        }

        NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, int[] cu) {
            NDArray out;
            try (NDScope scope = new NDScope()) {
                NDArray h = x.add(attention(norm1.forward(x), cos, sin, mask, cu));
                out = h.add(mlp.forward(norm2.forward(h)));
                NDScope.unregister(out);
            }
            NDScope.register(out); // owned by the enclosing scope
            return out;
        }

        // x: [S, D]
        private NDArray attention(NDArray x, NDArray cos, NDArray sin, NDArray mask, int[] cu) {
            long s = x.getShape().get(0);
            DataType dt = x.getDataType();
            NDArray qkvOut = qkv.forward(x).reshape(s, 3, heads, headDim).transpose(1, 0, 2, 3);
            NDArray q = qkvOut.get(0);
            NDArray k = qkvOut.get(1);
            NDArray v = qkvOut.get(2);
            // apply_rotary_pos_emb_vision: in float32, then back to the compute type
            q = QwenVlOps.applyRope(q.toType(DataType.FLOAT32, false), cos, sin).toType(dt, false).transpose(1, 0, 2);
            k = QwenVlOps.applyRope(k.toType(DataType.FLOAT32, false), cos, sin).toType(dt, false).transpose(1, 0, 2);
            v = v.transpose(1, 0, 2);
            NDArray o; // [heads, S, hd]
            if (mask != null || cu.length <= 2) {
                o = QwenVlOps.attention(q, k, v, scale, mask);
            } else {
                NDList parts = new NDList();
                for (int i = 0; i + 1 < cu.length; i++) {
                    NDIndex seg = new NDIndex(":, {}:{}", cu[i], cu[i + 1]);
                    parts.add(QwenVlOps.attention(q.get(seg), k.get(seg), v.get(seg), scale, null));
                }
                o = NDArrays.concat(parts, 1);
            }
            return proj.forward(o.transpose(1, 0, 2).reshape(s, (long) heads * headDim));
        }
    }
}
