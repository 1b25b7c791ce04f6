package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class PromptEmbedsTest {
    @Test
    void dropsPadsAndTruncates() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray h = m.arange(2 * 6 * 2f).reshape(2, 6, 2);
            PromptEmbeds e = PromptEmbeds.extract(h, new long[][] {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 0, 0, 0}}, 2);
            assertEquals(new Shape(2, 3, 2), e.embeds().getShape());
            assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 16, 17, 0, 0, 0, 0}, e.embeds().toFloatArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0}, e.mask().toLongArray());
            assertFalse(e.maskIsAllOnes());
            PromptEmbeds t = e.truncate(2);
            assertEquals(new Shape(2, 2, 2), t.embeds().getShape());
            assertTrue(PromptEmbeds.extract(h, new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}, 2).maskIsAllOnes());
            assertThrows(IllegalArgumentException.class,
                    () -> PromptEmbeds.extract(h, new long[][] {{0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}, 2));
            assertThrows(IllegalArgumentException.class, () -> e.truncate(2000));
        }
    }
}
