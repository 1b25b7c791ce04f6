package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.RmsNorm;
import dev.atelier.inference.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2.5-VL language model without its head: token embeddings, decoder layers (grouped-query attention with
 * q/k/v biases and M-RoPE, SwiGLU MLP, pre-norm RMSNorm), final norm. {@link #forward} returns the last hidden
 * state after the final norm (= {@code hidden_states[-1]} as diffusers reads it).
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py
// (Qwen2_5_VLTextModel, Qwen2_5_VLDecoderLayer, Qwen2_5_VLAttention, Qwen2_5_VLRotaryEmbedding, Qwen2MLP)
public final class QwenVlTextModel {
    private final QwenVlConfig.Text cfg;
    private final NDArray embedTokens;
    private final List<DecoderLayer> layers;
    private final RmsNorm norm;
    private final float[] invFreq;
    private final int[] channelAxis;
    private final NDArray lowest;

    /** Binds {@code <w>.embed_tokens.weight}, {@code <w>.layers.*}, {@code <w>.norm.weight}; each layer in its own sub-manager. */
    public QwenVlTextModel(QwenVlConfig.Text cfg, Weights w, NDManager scalars) {
        this.cfg = cfg;
        this.lowest = scalars.create(QwenVlOps.lowest(w.dtype()));
        this.embedTokens = w.pp("embed_tokens").get("weight", cfg.vocabSize(), cfg.hiddenSize());
        this.layers = new ArrayList<>();
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            Weights lw = w.pp("layers").pp(i).with(w.manager().newSubManager(), w.dtype());
            layers.add(new DecoderLayer(cfg, lw, scalars));
        }
        this.norm = RmsNorm.load(w.pp("norm"), cfg.hiddenSize(), (float) cfg.rmsNormEps(), scalars);
        this.invFreq = QwenVlOps.invFreq(cfg.headDim(), cfg.ropeTheta(), scalars);
        // apply_multimodal_rotary_pos_emb: frequency k takes the positions of axis i where k falls in
        // mrope_section[i] (the same split repeats for the second half of cat(freqs, freqs)).
        this.channelAxis = new int[cfg.headDim() / 2];
        int k = 0;
        int[] sections = cfg.mropeSection();
        for (int a = 0; a < sections.length; a++) {
            for (int j = 0; j < sections[a]; j++) {
                channelAxis[k++] = a % 3;
            }
        }
    }

    public QwenVlConfig.Text config() {
        return cfg;
    }

    /** Token embeddings [B, L, hidden] of {@code ids [B, L]} (int64). */
    public NDArray embed(NDArray ids) {
        return embedTokens.get(new ai.djl.ndarray.index.NDIndex("{}", ids));
    }

    /**
     * @param inputsEmbeds  [B, L, hidden] in the weights' type
     * @param attentionMask [B][L] 1 = token, 0 = padding ({@code null}: all tokens)
     * @param positionIds   [3][B][L] from {@link RopeIndex}
     * @return last hidden state [B, L, hidden] after the final norm
     */
    public NDArray forward(NDArray inputsEmbeds, long[][] attentionMask, long[][][] positionIds) {
        NDManager mgr = inputsEmbeds.getManager();
        long b = inputsEmbeds.getShape().get(0);
        long l = inputsEmbeds.getShape().get(1);
        DataType dt = inputsEmbeds.getDataType();
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray[] cosSin = rotary(positionIds, (int) b, (int) l, mgr, dt);
            NDArray mask = causalMask(attentionMask, (int) b, (int) l, mgr, dt);
            NDArray x = inputsEmbeds;
            for (DecoderLayer layer : layers) {
                x = layer.forward(x, cosSin[0], cosSin[1], mask);
            }
            out = norm.forward(x);
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** cos/sin [B, 1, L, head_dim] in the compute type (Qwen2_5_VLRotaryEmbedding + the mrope_section split). */
    private NDArray[] rotary(long[][][] pos, int b, int l, NDManager mgr, DataType dt) {
        int half = invFreq.length;
        float[] freqs = new float[b * l * half];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < l; j++) {
                int base = (i * l + j) * half;
                for (int k = 0; k < half; k++) {
                    freqs[base + k] = (float) pos[channelAxis[k]][i][j] * invFreq[k];
                }
            }
        }
        NDArray f = mgr.create(freqs, new Shape(b, 1, l, half));
        NDArray emb = NDArrays.concat(new NDList(f, f), -1);
        return new NDArray[] {emb.cos().toType(dt, false), emb.sin().toType(dt, false)};
    }

    /** Additive [B, 1, L, L] mask: key j visible to query i when j <= i and j is not padding. */
    private NDArray causalMask(long[][] attentionMask, int b, int l, NDManager mgr, DataType dt) {
        NDArray rows = mgr.arange(0, l, 1, DataType.INT32).reshape(l, 1);
        NDArray cols = mgr.arange(0, l, 1, DataType.INT32).reshape(1, l);
        NDArray blocked = cols.gt(rows).reshape(1, 1, l, l);
        if (attentionMask != null) {
            boolean[] pad = new boolean[b * l];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < l; j++) {
                    pad[i * l + j] = attentionMask[i][j] == 0;
                }
            }
            blocked = blocked.logicalOr(mgr.create(pad, new Shape(b, 1, 1, l)));
        }
        return blocked.toType(dt, false).mul(lowest);
    }

    /** One decoder layer: {@code x + attn(input_layernorm(x)); x + mlp(post_attention_layernorm(x))}. */
    static final class DecoderLayer {
        private final RmsNorm inputLayernorm;
        private final RmsNorm postAttentionLayernorm;
        private final Linear qProj;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear oProj;
        private final QwenVlOps.Mlp mlp;
        private final int heads;
        private final int kvHeads;
        private final int headDim;
        private final NDArray scale;

        DecoderLayer(QwenVlConfig.Text cfg, Weights w, NDManager scalars) {
            int d = cfg.hiddenSize();
            this.heads = cfg.numAttentionHeads();
            this.kvHeads = cfg.numKeyValueHeads();
            this.headDim = cfg.headDim();
            float eps = (float) cfg.rmsNormEps();
            this.inputLayernorm = RmsNorm.load(w.pp("input_layernorm"), d, eps, scalars);
            this.postAttentionLayernorm = RmsNorm.load(w.pp("post_attention_layernorm"), d, eps, scalars);
            Weights a = w.pp("self_attn");
            this.qProj = Linear.load(a.pp("q_proj"), d, (long) heads * headDim, true);
            this.kProj = Linear.load(a.pp("k_proj"), d, (long) kvHeads * headDim, true);
            this.vProj = Linear.load(a.pp("v_proj"), d, (long) kvHeads * headDim, true);
            this.oProj = Linear.load(a.pp("o_proj"), (long) heads * headDim, d, false);
            this.mlp = QwenVlOps.Mlp.load(w.pp("mlp"), d, cfg.intermediateSize(), false);
            this.scale = scalars.create((float) Math.pow(headDim, -0.5));
        }

        NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask) {
            NDArray out;
            try (NDScope scope = new NDScope()) {
                NDArray h = x.add(attention(inputLayernorm.forward(x), cos, sin, mask));
                out = h.add(mlp.forward(postAttentionLayernorm.forward(h)));
                NDScope.unregister(out);
            }
            NDScope.register(out); // owned by the enclosing scope
            return out;
        }

        // x: [B, L, D]; cos/sin: [B, 1, L, hd]; mask: [B, 1, L, L]
        private NDArray attention(NDArray x, NDArray cos, NDArray sin, NDArray mask) {
            long b = x.getShape().get(0);
            long l = x.getShape().get(1);
            int rep = heads / kvHeads;
            NDArray q = qProj.forward(x).reshape(b, l, heads, headDim).transpose(0, 2, 1, 3);
            NDArray k = kProj.forward(x).reshape(b, l, kvHeads, headDim).transpose(0, 2, 1, 3);
            NDArray v = vProj.forward(x).reshape(b, l, kvHeads, headDim).transpose(0, 2, 1, 3);
            q = QwenVlOps.applyRope(q, cos, sin);
            k = QwenVlOps.applyRope(k, cos, sin);
            // Grouped-query attention without repeat_kv: query heads h = g * rep + r share kv head g, so
            // [B, heads, L, hd] -> [B, kv, rep * L, hd] attends to k/v [B, kv, L, hd] directly.
            NDArray qg = q.reshape(b, kvHeads, rep * l, headDim);
            NDArray m = mask.reshape(mask.getShape().get(0), 1, 1, l, l);
            NDArray scores = qg.matMul(k.swapAxes(-1, -2)).mul(scale).reshape(b, kvHeads, rep, l, l).add(m);
            DataType dt = x.getDataType();
            NDArray probs = dt == DataType.FLOAT32 ? scores.softmax(-1)
                    : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(dt, false);
            NDArray o = probs.reshape(b, kvHeads, rep * l, l).matMul(v); // [B, kv, rep*L, hd]
            o = o.reshape(b, heads, l, headDim).transpose(0, 2, 1, 3).reshape(b, l, (long) heads * headDim);
            return oProj.forward(o);
        }
    }
}
