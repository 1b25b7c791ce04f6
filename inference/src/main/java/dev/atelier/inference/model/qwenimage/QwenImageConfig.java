package dev.atelier.inference.model.qwenimage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code transformer/config.json} of a Qwen-Image transformer. Defaults are those of diffusers'
 * {@code QwenImageTransformer2DModel.__init__} (Qwen-Image: 60 layers, 24 heads × 128, text dim 3584).
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record QwenImageConfig(
        @JsonProperty("patch_size") int patchSize,
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("out_channels") Integer outChannels,
        @JsonProperty("num_layers") int numLayers,
        @JsonProperty("attention_head_dim") int attentionHeadDim,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("joint_attention_dim") int jointAttentionDim,
        @JsonProperty("guidance_embeds") boolean guidanceEmbeds,
        @JsonProperty("axes_dims_rope") List<Integer> axesDimsRope,
        @JsonProperty("zero_cond_t") boolean zeroCondT,
        @JsonProperty("use_additional_t_cond") boolean useAdditionalTCond,
        @JsonProperty("use_layer3d_rope") boolean useLayer3dRope) {

    /** Built-in configurations of the released models (resources next to this class). */
    public static final Map<String, String> BUILT_IN = Map.of(
            "real-edit-2511", "real-edit-2511.json",
            "real-2512", "real-2512.json");

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

    public QwenImageConfig {
        if (axesDimsRope == null) {
            axesDimsRope = List.of(16, 56, 56);
        }
        axesDimsRope = List.copyOf(axesDimsRope);
    }

    /** The diffusers defaults (Qwen-Image 20B, zero_cond_t off). */
    public static QwenImageConfig defaults() {
        return new QwenImageConfig(2, 64, 16, 60, 128, 24, 3584, false, List.of(16, 56, 56), false, false, false);
    }

    /** Reads config.json; absent keys take the diffusers defaults. */
    public static QwenImageConfig read(Path configJson) {
        try (InputStream in = Files.newInputStream(configJson)) {
            return parse(in, configJson.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read transformer config " + configJson + ": " + e.getMessage(), e);
        }
    }

    /** A built-in config by name ({@link #BUILT_IN}) or a path to a config.json. */
    public static QwenImageConfig named(String nameOrPath) {
        String res = BUILT_IN.get(nameOrPath);
        if (res == null) {
            Path p = Path.of(nameOrPath);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("unknown transformer config '" + nameOrPath + "': use one of "
                        + BUILT_IN.keySet() + " or the path of a transformer/config.json");
            }
            return read(p);
        }
        try (InputStream in = QwenImageConfig.class.getResourceAsStream(res)) {
            return parse(in, res);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static QwenImageConfig parse(InputStream in, String what) throws IOException {
        Map<String, Object> merged = JSON.convertValue(defaults(), JSON.getTypeFactory()
                .constructMapType(java.util.LinkedHashMap.class, String.class, Object.class));
        Map<String, Object> read = JSON.readValue(in, JSON.getTypeFactory()
                .constructMapType(java.util.LinkedHashMap.class, String.class, Object.class));
        merged.putAll(read);
        QwenImageConfig c = JSON.convertValue(merged, QwenImageConfig.class);
        c.validate(what);
        return c;
    }

    /** Rejects settings this port does not implement, naming the field. */
    public void validate(String source) {
        if (guidanceEmbeds) {
            throw new IllegalArgumentException(source + ": guidance_embeds=true is not supported (no Qwen-Image "
                    + "release uses it)");
        }
        if (useAdditionalTCond) {
            throw new IllegalArgumentException(source + ": use_additional_t_cond=true (Qwen-Image-Layered) is not "
                    + "supported yet");
        }
        if (useLayer3dRope) {
            throw new IllegalArgumentException(source + ": use_layer3d_rope=true (Qwen-Image-Layered) is not "
                    + "supported yet");
        }
        if (axesDimsRope.size() != 3 || axesDimsRope.stream().anyMatch(d -> d <= 0 || d % 2 != 0)) {
            throw new IllegalArgumentException(source + ": axes_dims_rope must be three even sizes, found "
                    + axesDimsRope);
        }
        int sum = axesDimsRope.stream().mapToInt(Integer::intValue).sum();
        if (sum != attentionHeadDim) {
            throw new IllegalArgumentException(source + ": axes_dims_rope " + axesDimsRope + " sums to " + sum
                    + " but attention_head_dim is " + attentionHeadDim);
        }
    }

    /** {@code num_attention_heads * attention_head_dim}. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** {@code out_channels or in_channels}. */
    public int outChannelsOrIn() {
        return outChannels != null && outChannels > 0 ? outChannels : inChannels;
    }

    /** Channels of {@code proj_out}: {@code patch² * out_channels}. */
    public int projOutChannels() {
        return patchSize * patchSize * outChannelsOrIn();
    }

    public QwenImageConfig withZeroCondT(boolean z) {
        return new QwenImageConfig(patchSize, inChannels, outChannels, numLayers, attentionHeadDim, numAttentionHeads,
                jointAttentionDim, guidanceEmbeds, axesDimsRope, z, useAdditionalTCond, useLayer3dRope);
    }

    private static final Pattern BLOCK = Pattern.compile("transformer_blocks\\.(\\d+)\\.");

    /**
     * Infers the configuration of a single-file checkpoint from tensor names and shapes (no tensor data is read).
     * Keys must be in diffusers naming (strip any {@code model.diffusion_model.} prefix first). The head dim is taken
     * from {@code attn.norm_q.weight}; {@code axes_dims_rope} cannot be read from weights and keeps the Qwen-Image
     * split scaled to the head dim when it differs; {@code zero_cond_t} is true when the ComfyUI marker
     * {@code __index_timestep_zero__} is present (the caller may override it with {@link #withZeroCondT}).
     */
    public static QwenImageConfig detectFromWeights(WeightStore store) {
        Map<String, TensorInfo> t = store.tensors();
        long[] imgIn = need(store, "img_in.weight", 2);
        long[] txtIn = need(store, "txt_in.weight", 2);
        long[] normQ = need(store, "transformer_blocks.0.attn.norm_q.weight", 1);
        long[] projOut = need(store, "proj_out.weight", 2);
        int inner = (int) imgIn[0];
        int headDim = (int) normQ[0];
        if (inner % headDim != 0) {
            throw new WeightFormatException(store.source(), "img_in.weight has " + inner + " outputs, not a multiple of "
                    + "the head dim " + headDim + " (attn.norm_q.weight) — is this a Qwen-Image transformer?");
        }
        int layers = 0;
        for (String k : t.keySet()) {
            Matcher m = BLOCK.matcher(k);
            if (m.lookingAt()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int patch = 2;
        long outTotal = projOut[0];
        int out = (int) (outTotal / (patch * patch));
        List<Integer> axes = headDim == 128 ? List.of(16, 56, 56) : scaledAxes(headDim);
        boolean zeroCond = t.containsKey("__index_timestep_zero__");
        QwenImageConfig c = new QwenImageConfig(patch, (int) imgIn[1], out, layers, headDim, inner / headDim,
                (int) txtIn[1], false, axes, zeroCond, false, false);
        c.validate(store.source().toString());
        return c;
    }

    private static List<Integer> scaledAxes(int headDim) {
        // keep Qwen-Image's 1:3.5:3.5 split (16:56:56), each axis even, summing to the head dim
        int a0 = Math.max(2, (int) Math.round(headDim * 16.0 / 128 / 2) * 2);
        int rest = headDim - a0;
        int a1 = (rest / 2) % 2 == 0 ? rest / 2 : rest / 2 - 1;
        return List.of(a0, a1, rest - a1);
    }

    private static long[] need(WeightStore store, String key, int rank) {
        TensorInfo i = store.tensors().get(key);
        if (i == null) {
            throw new WeightFormatException(store.source(), "missing weight '" + key + "' needed to detect the "
                    + "Qwen-Image transformer configuration — is this a Qwen-Image transformer in diffusers naming?");
        }
        if (i.shape().length != rank) {
            throw new WeightFormatException(store.source(), "'" + key + "' has shape " + i.shapeString()
                    + ", expected rank " + rank + " — is this a Qwen-Image transformer?");
        }
        return i.shape();
    }
}
