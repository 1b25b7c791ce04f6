package dev.atelier.inference.model.qwenimage;

import java.util.LinkedHashMap;
import java.util.Map;

/** The diffusers key → shape table of a Qwen-Image transformer with a given config (what {@code load} binds). */
public final class QwenImageWeights {
    private QwenImageWeights() {}

    public static Map<String, long[]> expected(QwenImageConfig c) {
        long d = c.innerDim();
        long hd = c.attentionHeadDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        linear(m, "img_in", c.inChannels(), d);
        linear(m, "txt_in", c.jointAttentionDim(), d);
        m.put("txt_norm.weight", new long[] {c.jointAttentionDim()});
        linear(m, "time_text_embed.timestep_embedder.linear_1", QwenTimestepProjEmbeddings.CHANNELS, d);
        linear(m, "time_text_embed.timestep_embedder.linear_2", d, d);
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "transformer_blocks." + i + ".";
            linear(m, b + "img_mod.1", d, 6 * d);
            linear(m, b + "txt_mod.1", d, 6 * d);
            for (String p : new String[] {"to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj"}) {
                linear(m, b + "attn." + p, d, d);
            }
            linear(m, b + "attn.to_out.0", d, d);
            linear(m, b + "attn.to_add_out", d, d);
            for (String n : new String[] {"norm_q", "norm_k", "norm_added_q", "norm_added_k"}) {
                m.put(b + "attn." + n + ".weight", new long[] {hd});
            }
            for (String s : new String[] {"img_mlp", "txt_mlp"}) {
                linear(m, b + s + ".net.0.proj", d, 4 * d);
                linear(m, b + s + ".net.2", 4 * d, d);
            }
        }
        linear(m, "norm_out.linear", d, 2 * d);
        linear(m, "proj_out", d, c.projOutChannels());
        return m;
    }

    private static void linear(Map<String, long[]> m, String name, long in, long out) {
        m.put(name + ".weight", new long[] {out, in});
        m.put(name + ".bias", new long[] {out});
    }
}
