package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Two condition images of other shapes in one prompt (as Edit-Plus does with "Picture 1: ... Picture 2: ..."), a
 * batch of two with padding, against transformers 5.17 run on the qwen-tiny edit text encoder
 * ({@code src/test/resources/qwenvl/multi_image.safetensors}; its {@code info} metadata says how it was made):
 * vision tower with windows that do not divide the grid, splice of several images, both position-id modes.
 * Uses the bundled qwen-tiny copy (its weights made the reference), not {@code -Datelier.fixtures}.
 */
class QwenVlMultiImageTest {
    private static final Path TINY = Path.of("src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny/text_encoder");
    private static final Path REF = Path.of("src/test/resources/qwenvl/multi_image.safetensors");

    private static NDArray pixelValues(NDManager m, long[][] grid, int copies, int patchDim) {
        int n = 0;
        for (long[] g : grid) {
            n += (int) (g[0] * g[1] * g[2]);
        }
        float[] v = new float[copies * n * patchDim];
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < n * patchDim; i++) {
                v[c * n * patchDim + i] = (float) Math.sin(0.001 * i);
            }
        }
        return m.create(v, new Shape((long) copies * n, patchDim));
    }

    private static void check(ParityResult r) {
        System.out.println(r.line());
        assertTrue(r.ok(), r.line());
    }

    @Test
    void twoImagesOfOtherShapesMatchTransformers() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                QwenVlModel model = QwenVlModel.load(TINY, null, Device.cpu(), DataType.FLOAT32);
                SafetensorsFile ref = SafetensorsFile.open(REF)) {
            long[][] grid = QwenVlModelParityChecks.longs2d(ref.load("image_grid_thw", m));
            long[][] ids = QwenVlModelParityChecks.longs2d(ref.load("input_ids", m));
            long[][] mask = QwenVlModelParityChecks.longs2d(ref.load("attention_mask", m));
            int patchDim = model.config().vision().patchDim();
            check(Parity.compare("multi_image.image_embeds", model.imageEmbeds(pixelValues(m, grid, 1, patchDim), grid, m),
                    ref.load("image_embeds", m), Tolerance.FORWARD));

            long[][] grid2 = {grid[0], grid[1], grid[0], grid[1]};
            NDArray pixels2 = pixelValues(m, grid, 2, patchDim);
            check(Parity.compare("multi_image.hidden_pipeline", model.forward(ids, mask, pixels2, grid2, m),
                    ref.load("hidden_pipeline", m), Tolerance.FORWARD));

            model.ropeMode(RopeIndex.Mode.MULTIMODAL);
            assertArrayEquals(ref.load("position_ids_multimodal", m).toLongArray(),
                    QwenVlModelParityChecks.flatten(model.positionIds(ids, mask, grid2)));
            check(Parity.compare("multi_image.hidden_multimodal", model.forward(ids, mask, pixels2, grid2, m),
                    ref.load("hidden_multimodal", m), Tolerance.FORWARD));
        }
    }
}
