package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.parity.FixtureSupport;
import org.junit.jupiter.api.Test;

class QwenVlConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheNestedLayoutOfTransformers5() {
        QwenVlConfig c = QwenVlConfig.fromFolder(
                FixtureSupport.fixture().editModel().orElseThrow().resolve("text_encoder"));
        assertTrue(c.text().hiddenSize() > 0);
        assertEquals(c.text().headDim() / 2, java.util.Arrays.stream(c.text().mropeSection()).sum());
        assertTrue(c.vision().depth() > 0);
    }

    @Test
    void releasedSevenBillionConfig() {
        QwenVlConfig c = QwenVlConfig.qwen25Vl7b();
        assertEquals(3584, c.text().hiddenSize());
        assertEquals(18944, c.text().intermediateSize());
        assertEquals(28, c.text().numHiddenLayers());
        assertEquals(28, c.text().numAttentionHeads());
        assertEquals(4, c.text().numKeyValueHeads());
        assertEquals(152064, c.text().vocabSize());
        assertEquals(1e6, c.text().ropeTheta());
        assertArrayEquals(new int[] {16, 24, 24}, c.text().mropeSection());
        assertEquals(32, c.vision().depth());
        assertEquals(1280, c.vision().hiddenSize());
        assertEquals(3420, c.vision().intermediateSize());
        assertEquals(16, c.vision().numHeads());
        assertEquals(3584, c.vision().outHiddenSize());
        assertArrayEquals(new int[] {7, 15, 23, 31}, c.vision().fullattBlockIndexes());
        assertEquals(4, c.vision().mergerWindowSize());
        assertEquals(151655, c.imageTokenId());
        assertEquals(151652, c.visionStartTokenId());
        // Qwen2.5-VL-7B has 8,292,166,656 parameters; without the 152064 x 3584 lm_head: 7.75B
        assertEquals(8_292_166_656L - 152064L * 3584L, QwenVlTensors.parameterCount(c));
    }

    @Test
    void readsTheOlderFlatLayout() throws Exception {
        String flat = """
                {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 3, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "vocab_size": 500, "rms_norm_eps": 1e-5, "rope_theta": 5000.0,
                 "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
                 "image_token_id": 7, "video_token_id": 8, "vision_start_token_id": 5, "vision_end_token_id": 6,
                 "vision_config": {"depth": 1, "hidden_size": 16, "num_heads": 2, "intermediate_size": 24,
                   "out_hidden_size": 64, "fullatt_block_indexes": [0], "window_size": 56, "in_chans": 3}}""";
        QwenVlConfig c = QwenVlConfig.fromJson(JSON.readTree(flat));
        assertEquals(64, c.text().hiddenSize());
        assertEquals(3, c.text().numHiddenLayers());
        assertEquals(5000.0, c.text().ropeTheta());
        assertEquals(1e-5, c.text().rmsNormEps());
        assertArrayEquals(new int[] {2, 3, 3}, c.text().mropeSection());
        assertEquals(7, c.imageTokenId());
        assertEquals(56, c.vision().windowSize());
        assertEquals(2, c.vision().mergerWindowSize());
    }

    @Test
    void inconsistentMropeSectionIsAClearError() throws Exception {
        String bad = """
                {"text_config": {"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
                  "rope_parameters": {"mrope_section": [2, 2, 2], "rope_theta": 1e6}}}""";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QwenVlConfig.fromJson(JSON.readTree(bad)));
        assertTrue(e.getMessage().contains("mrope_section"), e.getMessage());
    }
}
