package dev.atelier.inference.model.qwenvl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every tensor of a Qwen2.5-VL text encoder (without {@code lm_head}) for a config, in the canonical names
 * ({@code model.*}, {@code visual.*}) with torch shapes: for memory planning and random-weight benchmarks.
 */
public final class QwenVlTensors {
    private QwenVlTensors() {}

    public static Map<String, long[]> shapes(QwenVlConfig cfg) {
        Map<String, long[]> m = new LinkedHashMap<>();
        QwenVlConfig.Text t = cfg.text();
        long d = t.hiddenSize();
        long q = (long) t.numAttentionHeads() * t.headDim();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        m.put("model.embed_tokens.weight", new long[] {t.vocabSize(), d});
        for (int i = 0; i < t.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {d});
            m.put(p + "post_attention_layernorm.weight", new long[] {d});
            m.put(p + "self_attn.q_proj.weight", new long[] {q, d});
            m.put(p + "self_attn.q_proj.bias", new long[] {q});
            m.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
            m.put(p + "self_attn.k_proj.bias", new long[] {kv});
            m.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
            m.put(p + "self_attn.v_proj.bias", new long[] {kv});
            m.put(p + "self_attn.o_proj.weight", new long[] {d, q});
            m.put(p + "mlp.gate_proj.weight", new long[] {t.intermediateSize(), d});
            m.put(p + "mlp.up_proj.weight", new long[] {t.intermediateSize(), d});
            m.put(p + "mlp.down_proj.weight", new long[] {d, t.intermediateSize()});
        }
        m.put("model.norm.weight", new long[] {d});
        QwenVlConfig.Vision v = cfg.vision();
        long vd = v.hiddenSize();
        long vi = v.intermediateSize();
        m.put("visual.patch_embed.proj.weight", new long[] {vd, v.inChannels(), v.temporalPatchSize(), v.patchSize(),
                v.patchSize()});
        for (int i = 0; i < v.depth(); i++) {
            String p = "visual.blocks." + i + ".";
            m.put(p + "norm1.weight", new long[] {vd});
            m.put(p + "norm2.weight", new long[] {vd});
            m.put(p + "attn.qkv.weight", new long[] {3 * vd, vd});
            m.put(p + "attn.qkv.bias", new long[] {3 * vd});
            m.put(p + "attn.proj.weight", new long[] {vd, vd});
            m.put(p + "attn.proj.bias", new long[] {vd});
            for (String mlp : new String[] {"gate_proj", "up_proj"}) {
                m.put(p + "mlp." + mlp + ".weight", new long[] {vi, vd});
                m.put(p + "mlp." + mlp + ".bias", new long[] {vi});
            }
            m.put(p + "mlp.down_proj.weight", new long[] {vd, vi});
            m.put(p + "mlp.down_proj.bias", new long[] {vd});
        }
        long merged = vd * v.spatialMergeUnit();
        m.put("visual.merger.ln_q.weight", new long[] {vd});
        m.put("visual.merger.mlp.0.weight", new long[] {merged, merged});
        m.put("visual.merger.mlp.0.bias", new long[] {merged});
        m.put("visual.merger.mlp.2.weight", new long[] {v.outHiddenSize(), merged});
        m.put("visual.merger.mlp.2.bias", new long[] {v.outHiddenSize()});
        return m;
    }

    /** Parameter count of the encoder without lm_head. */
    public static long parameterCount(QwenVlConfig cfg) {
        long n = 0;
        for (long[] s : shapes(cfg).values()) {
            long e = 1;
            for (long x : s) {
                e *= x;
            }
            n += e;
        }
        return n;
    }
}
