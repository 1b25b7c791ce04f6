package dev.atelier.inference.model.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class QwenImageVaeConfigTest {
    private static final Path VAE = VaeParityCheck.vaeFolder(FixtureSupport.fixture()).orElseThrow();

    @Test
    void readsTheFixtureConfigAndDetectsTheSameFromWeights() {
        QwenImageVaeConfig c = QwenImageVaeConfig.load(VAE);
        try (WeightStore w = WeightStores.open(VAE)) {
            QwenImageVaeConfig d = QwenImageVaeConfig.detectFromWeights(w.tensors());
            assertEquals(c.baseDim(), d.baseDim());
            assertEquals(c.zDim(), d.zDim());
            assertArrayEquals(c.dimMult(), d.dimMult());
            assertEquals(c.numResBlocks(), d.numResBlocks());
            assertArrayEquals(c.temperalDownsample(), d.temperalDownsample());
            assertArrayEquals(c.attnScales(), d.attnScales());
            assertEquals(c.inputChannels(), d.inputChannels());
        }
    }

    @Test
    void defaultsAreDiffusersAndTheShippedConfigIsTheReleasedOne() throws Exception {
        QwenImageVaeConfig d = QwenImageVaeConfig.defaults();
        assertEquals(96, d.baseDim());
        assertEquals(16, d.zDim());
        assertEquals(8, d.spatialCompression());
        assertArrayEquals(new boolean[] {true, true, false}, d.temperalUpsample());
        assertArrayEquals(new int[] {384, 384, 384, 192, 96}, d.decoderDims());
        QwenImageVaeConfig real = QwenImageVaeConfig.qwenImage();
        assertEquals(96, real.baseDim());
        assertArrayEquals(d.latentsMean(), real.latentsMean());
        assertArrayEquals(d.latentsStd(), real.latentsStd());
        // an empty JSON object gives the defaults
        QwenImageVaeConfig empty = QwenImageVaeConfig.fromJson(new ObjectMapper().readTree("{}"));
        assertEquals(d.baseDim(), empty.baseDim());
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenImageVaeConfig.fromJson(
                new ObjectMapper().readTree("{\"z_dim\": 8}")));
        assertTrue(e.getMessage().contains("latents_mean"), e.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> QwenImageVaeConfig.fromJson(
                new ObjectMapper().readTree("{\"temperal_downsample\": [true]}")));
        assertTrue(t.getMessage().contains("temperal_downsample"), t.getMessage());
    }
}
