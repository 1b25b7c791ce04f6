package dev.atelier.inference.runtime;

import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.runtime.ComponentWeights.WeightPrecision;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight tables (names, dtypes, shapes; no data) of the full-size models, for planning without the weights
 * ({@code atelier plan --reference}) and for tests. Shapes follow the real configs: Qwen-Image / Qwen-Image-Edit
 * transformer (diffusers QwenImageTransformer2DModel: 60 layers, 24 heads x 128, joint_attention_dim 3584,
 * in_channels 64, out_channels 16, patch 2: 339.8 M parameters per block, 680 MB in bf16, 340 MB in fp8),
 * Qwen2.5-VL-7B text encoder (28 layers, hidden 3584, MLP 18944, 4 KV heads, vocabulary 152064; vision tower
 * 32 blocks of 1280) and the Qwen-Image VAE, sized by its 126.9 M parameters (two tensors standing for the
 * encoder and decoder; the VAE is never streamed, only its total matters).
 */
public final class ReferenceSizes {
    private static final Path FILE = Path.of("reference-sizes");

    private ReferenceSizes() {
    }

    /** The transformer; {@code fp8}: block matrices stored as F8_E4M3 (as the fp8 checkpoints), the rest bf16. */
    public static Map<String, TensorInfo> qwenImageTransformer(boolean fp8) {
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        int h = 3072;
        linear(m, "img_in", h, 64, "BF16");
        add(m, "txt_norm.weight", "BF16", 3584);
        linear(m, "txt_in", h, 3584, "BF16");
        linear(m, "time_text_embed.timestep_embedder.linear_1", h, 256, "BF16");
        linear(m, "time_text_embed.timestep_embedder.linear_2", h, h, "BF16");
        String w = fp8 ? "F8_E4M3" : "BF16";
        for (int i = 0; i < 60; i++) {
            String b = "transformer_blocks." + i + ".";
            linear(m, b + "img_mod.1", 6 * h, h, w);
            linear(m, b + "txt_mod.1", 6 * h, h, w);
            for (String p : List.of("to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj", "to_out.0", "to_add_out")) {
                linear(m, b + "attn." + p, h, h, w);
            }
            for (String n : List.of("norm_q", "norm_k", "norm_added_q", "norm_added_k")) {
                add(m, b + "attn." + n + ".weight", "BF16", 128);
            }
            for (String mlp : List.of("img_mlp", "txt_mlp")) {
                linear(m, b + mlp + ".net.0.proj", 4 * h, h, w);
                linear(m, b + mlp + ".net.2", h, 4 * h, w);
            }
        }
        linear(m, "norm_out.linear", 2 * h, h, "BF16");
        linear(m, "proj_out", 64, h, "BF16");
        return m;
    }

    /** Qwen2.5-VL-7B as diffusers' text_encoder (Qwen2_5_VLForConditionalGeneration, with lm_head), bf16. */
    public static Map<String, TensorInfo> qwen25VlTextEncoder() {
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        int h = 3584;
        int kv = 512;
        int inter = 18944;
        add(m, "model.visual.patch_embed.proj.weight", "BF16", 1280, 3, 2, 14, 14);
        for (int i = 0; i < 32; i++) {
            String b = "model.visual.blocks." + i + ".";
            add(m, b + "norm1.weight", "BF16", 1280);
            add(m, b + "norm2.weight", "BF16", 1280);
            linear(m, b + "attn.qkv", 3 * 1280, 1280, "BF16");
            linear(m, b + "attn.proj", 1280, 1280, "BF16");
            linear(m, b + "mlp.gate_proj", 3420, 1280, "BF16");
            linear(m, b + "mlp.up_proj", 3420, 1280, "BF16");
            linear(m, b + "mlp.down_proj", 1280, 3420, "BF16");
        }
        add(m, "model.visual.merger.ln_q.weight", "BF16", 1280);
        linear(m, "model.visual.merger.mlp.0", 5120, 5120, "BF16");
        linear(m, "model.visual.merger.mlp.2", h, 5120, "BF16");
        add(m, "model.language_model.embed_tokens.weight", "BF16", 152064, h);
        for (int i = 0; i < 28; i++) {
            String b = "model.language_model.layers." + i + ".";
            linear(m, b + "self_attn.q_proj", h, h, "BF16");
            linear(m, b + "self_attn.k_proj", kv, h, "BF16");
            linear(m, b + "self_attn.v_proj", kv, h, "BF16");
            add(m, b + "self_attn.o_proj.weight", "BF16", h, h);
            add(m, b + "mlp.gate_proj.weight", "BF16", inter, h);
            add(m, b + "mlp.up_proj.weight", "BF16", inter, h);
            add(m, b + "mlp.down_proj.weight", "BF16", h, inter);
            add(m, b + "input_layernorm.weight", "BF16", h);
            add(m, b + "post_attention_layernorm.weight", "BF16", h);
        }
        add(m, "model.language_model.norm.weight", "BF16", h);
        add(m, "lm_head.weight", "BF16", 152064, h);
        return m;
    }

    /** The VAE by parameter count (126.9 M: encoder 54.0 M, decoder 72.9 M), bf16. */
    public static Map<String, TensorInfo> qwenImageVae() {
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        add(m, "encoder.all", "BF16", 54_000_000);
        add(m, "decoder.all", "BF16", 72_900_000);
        return m;
    }

    /** All three, as the planner takes them; transformer in fp8 or bf16, the others bf16. */
    public static List<ComponentWeights> components(boolean fp8Transformer) {
        WeightPrecision tp = fp8Transformer ? WeightPrecision.FP8 : WeightPrecision.BF16;
        return List.of(
                ComponentWeights.of(ComponentRole.TEXT_ENCODER, "text encoder", qwen25VlTextEncoder(), WeightPrecision.BF16),
                ComponentWeights.of(ComponentRole.TRANSFORMER, "transformer", qwenImageTransformer(fp8Transformer), tp),
                ComponentWeights.of(ComponentRole.VAE, "VAE", qwenImageVae(), WeightPrecision.BF16));
    }

    private static void linear(Map<String, TensorInfo> m, String prefix, long out, long in, String dtype) {
        add(m, prefix + ".weight", dtype, out, in);
        add(m, prefix + ".bias", "BF16", out);
    }

    private static void add(Map<String, TensorInfo> m, String name, String dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        long bytes = n * (dtype.startsWith("F8") ? 1 : 2);
        m.put(name, new TensorInfo(name, dtype, shape, bytes, FILE));
    }
}
