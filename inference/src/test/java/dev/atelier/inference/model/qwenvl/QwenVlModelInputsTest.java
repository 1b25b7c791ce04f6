package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.parity.FixtureSupport;
import org.junit.jupiter.api.Test;

/** Inputs the encoder cannot take are refused with a message that says what is wrong. */
class QwenVlModelInputsTest {
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
