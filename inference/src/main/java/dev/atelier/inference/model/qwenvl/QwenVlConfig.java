package dev.atelier.inference.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Qwen2.5-VL configuration ({@code text_encoder/config.json}). Reads the layout transformers 5.x writes (nested
 * {@code text_config} / {@code vision_config}, {@code rope_parameters} with {@code mrope_section}) and the older
 * flat layout (text fields at the top level, {@code rope_scaling} + {@code rope_theta}). Missing fields take the
 * defaults of transformers' {@code Qwen2_5_VLTextConfig} / {@code Qwen2_5_VLVisionConfig} / {@code Qwen2_5_VLConfig}.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/configuration_qwen2_5_vl.py
public record QwenVlConfig(Text text, Vision vision, long imageTokenId, long videoTokenId, long visionStartTokenId,
        long visionEndTokenId) {

    /** The language model ({@code Qwen2_5_VLTextConfig}). */
    public record Text(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
            int numKeyValueHeads, int vocabSize, double rmsNormEps, double ropeTheta, int[] mropeSection,
            String hiddenAct) {
        public Text {
            if (hiddenSize % numAttentionHeads != 0) {
                throw new IllegalArgumentException("text_config: hidden_size " + hiddenSize
                        + " is not divisible by num_attention_heads " + numAttentionHeads);
            }
            if (numAttentionHeads % numKeyValueHeads != 0) {
                throw new IllegalArgumentException("text_config: num_attention_heads " + numAttentionHeads
                        + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
            }
            if (!"silu".equals(hiddenAct)) {
                throw new IllegalArgumentException("text_config: hidden_act '" + hiddenAct + "' is not supported "
                        + "(Qwen2.5-VL uses silu)");
            }
            int sum = Arrays.stream(mropeSection).sum();
            if (sum * 2 != hiddenSize / numAttentionHeads) {
                throw new IllegalArgumentException("text_config: mrope_section " + Arrays.toString(mropeSection)
                        + " must sum to head_dim/2 = " + hiddenSize / numAttentionHeads / 2);
            }
            mropeSection = mropeSection.clone();
        }

        public int headDim() {
            return hiddenSize / numAttentionHeads;
        }

        @Override
        public int[] mropeSection() {
            return mropeSection.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Text t && hiddenSize == t.hiddenSize && intermediateSize == t.intermediateSize
                    && numHiddenLayers == t.numHiddenLayers && numAttentionHeads == t.numAttentionHeads
                    && numKeyValueHeads == t.numKeyValueHeads && vocabSize == t.vocabSize
                    && rmsNormEps == t.rmsNormEps && ropeTheta == t.ropeTheta
                    && Arrays.equals(mropeSection, t.mropeSection) && hiddenAct.equals(t.hiddenAct);
        }

        @Override
        public int hashCode() {
            return Objects.hash(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                    vocabSize, Arrays.hashCode(mropeSection));
        }

        @Override
        public String toString() {
            return "Text[hidden=" + hiddenSize + ", intermediate=" + intermediateSize + ", layers=" + numHiddenLayers
                    + ", heads=" + numAttentionHeads + ", kv_heads=" + numKeyValueHeads + ", vocab=" + vocabSize
                    + ", rms_eps=" + rmsNormEps + ", rope_theta=" + ropeTheta + ", mrope_section="
                    + Arrays.toString(mropeSection) + ", act=" + hiddenAct + "]";
        }
    }

    /** The vision tower ({@code Qwen2_5_VLVisionConfig}). */
    public record Vision(int depth, int hiddenSize, int intermediateSize, int numHeads, int outHiddenSize,
            int patchSize, int temporalPatchSize, int spatialMergeSize, int inChannels, int windowSize,
            int[] fullattBlockIndexes, double tokensPerSecond, double ropeTheta, String hiddenAct) {
        public Vision {
            if (!"silu".equals(hiddenAct)) {
                throw new IllegalArgumentException("vision_config: hidden_act '" + hiddenAct + "' is not supported "
                        + "(Qwen2.5-VL uses silu)");
            }
            if (hiddenSize % numHeads != 0) {
                throw new IllegalArgumentException("vision_config: hidden_size " + hiddenSize
                        + " is not divisible by num_heads " + numHeads);
            }
            fullattBlockIndexes = fullattBlockIndexes.clone();
        }

        public int headDim() {
            return hiddenSize / numHeads;
        }

        /** Elements of one flattened patch: {@code C * T * P * P}. */
        public int patchDim() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }

        public int spatialMergeUnit() {
            return spatialMergeSize * spatialMergeSize;
        }

        /** Side of an attention window in merged tokens: {@code window_size / spatial_merge_size / patch_size}. */
        public int mergerWindowSize() {
            return windowSize / spatialMergeSize / patchSize;
        }

        public boolean isFullAttention(int block) {
            return Arrays.stream(fullattBlockIndexes).anyMatch(i -> i == block);
        }

        @Override
        public int[] fullattBlockIndexes() {
            return fullattBlockIndexes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Vision v && depth == v.depth && hiddenSize == v.hiddenSize
                    && intermediateSize == v.intermediateSize && numHeads == v.numHeads
                    && outHiddenSize == v.outHiddenSize && patchSize == v.patchSize
                    && temporalPatchSize == v.temporalPatchSize && spatialMergeSize == v.spatialMergeSize
                    && inChannels == v.inChannels && windowSize == v.windowSize
                    && Arrays.equals(fullattBlockIndexes, v.fullattBlockIndexes) && tokensPerSecond == v.tokensPerSecond
                    && ropeTheta == v.ropeTheta && hiddenAct.equals(v.hiddenAct);
        }

        @Override
        public int hashCode() {
            return Objects.hash(depth, hiddenSize, intermediateSize, numHeads, outHiddenSize, patchSize, windowSize,
                    Arrays.hashCode(fullattBlockIndexes));
        }

        @Override
        public String toString() {
            return "Vision[depth=" + depth + ", hidden=" + hiddenSize + ", intermediate=" + intermediateSize
                    + ", heads=" + numHeads + ", out_hidden=" + outHiddenSize + ", patch=" + patchSize + ", temporal_patch="
                    + temporalPatchSize + ", merge=" + spatialMergeSize + ", in_channels=" + inChannels + ", window="
                    + windowSize + ", fullatt=" + Arrays.toString(fullattBlockIndexes) + ", tokens_per_second="
                    + tokensPerSecond + ", rope_theta=" + ropeTheta + ", act=" + hiddenAct + "]";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Resource holding the released Qwen2.5-VL-7B config (the Qwen-Image text encoder). */
    public static final String QWEN25_VL_7B_RESOURCE = "/models/qwen2_5_vl_7b_config.json";

    public static QwenVlConfig load(Path configJson) {
        try {
            return fromJson(JSON.readTree(configJson.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configJson + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /** The released Qwen2.5-VL-7B-Instruct configuration, as shipped with Qwen-Image. */
    public static QwenVlConfig qwen25Vl7b() {
        try (InputStream in = QwenVlConfig.class.getResourceAsStream(QWEN25_VL_7B_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + QWEN25_VL_7B_RESOURCE);
            }
            return fromJson(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static QwenVlConfig fromJson(JsonNode root) {
        JsonNode t = root.has("text_config") && root.get("text_config").isObject() ? root.get("text_config") : root;
        JsonNode v = root.path("vision_config");
        int hidden = intOf(t, root, "hidden_size", 3584);
        int heads = intOf(t, root, "num_attention_heads", 28);
        Text text = new Text(hidden,
                intOf(t, root, "intermediate_size", 18944),
                intOf(t, root, "num_hidden_layers", 28),
                heads,
                intOf(t, root, "num_key_value_heads", 4),
                intOf(t, root, "vocab_size", 152064),
                dblOf(t, root, "rms_norm_eps", 1e-6),
                ropeTheta(t, root),
                mropeSection(t, root, hidden / heads),
                strOf(t, root, "hidden_act", "silu"));
        JsonNode vRope = v.path("rope_parameters");
        Vision vision = new Vision(
                v.path("depth").asInt(32),
                v.path("hidden_size").asInt(3584),
                v.path("intermediate_size").asInt(3420),
                v.path("num_heads").asInt(16),
                v.path("out_hidden_size").asInt(3584),
                v.path("patch_size").asInt(14),
                v.path("temporal_patch_size").asInt(2),
                v.path("spatial_merge_size").asInt(2),
                v.has("in_channels") ? v.get("in_channels").asInt() : v.path("in_chans").asInt(3),
                v.path("window_size").asInt(112),
                v.has("fullatt_block_indexes") ? ints(v.get("fullatt_block_indexes")) : new int[] {7, 15, 23, 31},
                v.path("tokens_per_second").asDouble(4),
                vRope.has("rope_theta") ? vRope.get("rope_theta").asDouble() : 10000.0,
                v.path("hidden_act").asText("silu"));
        return new QwenVlConfig(text, vision,
                longOf(root, t, "image_token_id", 151655),
                longOf(root, t, "video_token_id", 151656),
                longOf(root, t, "vision_start_token_id", 151652),
                longOf(root, t, "vision_end_token_id", 151653));
    }

    private static double ropeTheta(JsonNode t, JsonNode root) {
        for (JsonNode n : new JsonNode[] {t.path("rope_parameters"), t, root.path("rope_parameters"), root}) {
            if (n.has("rope_theta") && !n.get("rope_theta").isNull()) {
                return n.get("rope_theta").asDouble();
            }
        }
        return 1_000_000.0;
    }

    private static int[] mropeSection(JsonNode t, JsonNode root, int headDim) {
        for (JsonNode n : new JsonNode[] {t.path("rope_parameters"), t.path("rope_scaling"),
                root.path("rope_parameters"), root.path("rope_scaling")}) {
            if (n.has("mrope_section")) {
                return ints(n.get("mrope_section"));
            }
        }
        if (headDim == 128) {
            return new int[] {16, 24, 24};
        }
        throw new IllegalArgumentException("no mrope_section in text_config.rope_parameters (or rope_scaling): "
                + "add the model's mrope_section to its config.json");
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    private static JsonNode first(JsonNode a, JsonNode b, String key) {
        if (a.has(key) && !a.get(key).isNull()) {
            return a.get(key);
        }
        if (b.has(key) && !b.get(key).isNull()) {
            return b.get(key);
        }
        return null;
    }

    private static int intOf(JsonNode a, JsonNode b, String key, int dflt) {
        JsonNode n = first(a, b, key);
        return n == null ? dflt : n.asInt();
    }

    private static long longOf(JsonNode a, JsonNode b, String key, long dflt) {
        JsonNode n = first(a, b, key);
        return n == null ? dflt : n.asLong();
    }

    private static double dblOf(JsonNode a, JsonNode b, String key, double dflt) {
        JsonNode n = first(a, b, key);
        return n == null ? dflt : n.asDouble();
    }

    private static String strOf(JsonNode a, JsonNode b, String key, String dflt) {
        JsonNode n = first(a, b, key);
        return n == null ? dflt : n.asText();
    }

    /** Reads {@code config.json} of a text_encoder folder; the folder must hold one. */
    public static QwenVlConfig fromFolder(Path folder) {
        Path p = folder.resolve("config.json");
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(folder + " has no config.json: point at the text_encoder folder of a "
                    + "diffusers Qwen-Image model");
        }
        return load(p);
    }
}
