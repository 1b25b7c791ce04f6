package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.parity.FixtureSupport;
import org.junit.jupiter.api.Test;

/** The pipelines' masked extraction, drop, padding and mask on hand-made hidden states; input errors. */
class QwenVlPromptEncoderTest {
    /** hidden[b, l, :] = 100 * b + l, so every kept row says where it came from. */
    private static NDArray hidden(NDManager m, int b, int l, int h) {
        float[] v = new float[b * l * h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < l; j++) {
                for (int k = 0; k < h; k++) {
                    v[(i * l + j) * h + k] = 100 * i + j;
                }
            }
        }
        return m.create(v, new Shape(b, l, h));
    }

    @Test
    void keepsValidTokensAfterTheDropAndPadsWithZeros() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};
            QwenVlPromptEncoder.PromptEmbeds pe = QwenVlPromptEncoder.extract(hidden(m, 2, 6, 3), mask, 2, 0);
            assertEquals(new Shape(2, 4, 3), pe.embeds().getShape());
            float[] row0 = pe.embeds().get(0).get(":, 0").toFloatArray();
            float[] row1 = pe.embeds().get(1).get(":, 0").toFloatArray();
            assertArrayEquals(new float[] {2, 3, 4, 5}, row0);
            assertArrayEquals(new float[] {102, 103, 0, 0}, row1);
            assertArrayEquals(new long[] {1, 1, 0, 0}, pe.mask()[1]);
            assertArrayEquals(new int[] {4, 2}, pe.lengths());
            assertTrue(pe.hasPadding());
        }
    }

    @Test
    void maxSequenceLengthCutsAndPromptsShorterThanTheDropAreEmpty() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 0, 0, 0, 0}};
            QwenVlPromptEncoder.PromptEmbeds pe = QwenVlPromptEncoder.extract(hidden(m, 2, 6, 2), mask, 2, 3);
            assertEquals(new Shape(2, 3, 2), pe.embeds().getShape());
            assertArrayEquals(new long[] {0, 0, 0}, pe.mask()[1]);
            assertArrayEquals(new int[] {3, 0}, pe.lengths());
            long[][] same = {{1, 1, 1}, {1, 1, 1}};
            assertFalse(QwenVlPromptEncoder.extract(hidden(m, 2, 3, 2), same, 1, 0).hasPadding());
        }
    }

    @Test
    void badInputsSayWhatIsWrong() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                QwenVlModel model = QwenVlModel.load(FixtureSupport.fixture().editModel().orElseThrow(), null,
                        Device.cpu(), DataType.FLOAT32)) {
            QwenVlConfig c = model.config();
            IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(new long[][] {{1, c.text().vocabSize()}}, null, null, null, m));
            assertTrue(vocab.getMessage().contains("vocabulary"), vocab.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.forward(new long[][] {{}}, null, null, null, m));

            long[][] grid = {{1, 4, 4}};
            NDArray pixels = m.zeros(new Shape(16, c.vision().patchDim()), DataType.FLOAT32);
            long pad = c.imageTokenId();
            long[][] threePads = {{1, c.visionStartTokenId(), pad, pad, pad, c.visionEndTokenId()}};
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(threePads, null, pixels, grid, m));
            assertTrue(count.getMessage().contains("tokens: 3, features 4"), count.getMessage());

            NDArray wrong = m.zeros(new Shape(15, c.vision().patchDim()), DataType.FLOAT32);
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> model.imageEmbeds(wrong, grid, m));
            assertTrue(shape.getMessage().contains("image_grid_thw"), shape.getMessage());
        }
    }
}
