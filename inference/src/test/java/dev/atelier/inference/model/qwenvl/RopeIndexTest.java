package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * get_rope_index in MULTIMODAL mode against values printed by transformers 5.17.0
 * ({@code Qwen2_5_VLModel.get_rope_index(input_ids, mm_token_type_ids=(input_ids == image_token_id), ...)}) for the
 * qwen-tiny edit prompt (295 tokens, image pads at 72..267, grid [1, 28, 28]); PIPELINE mode is checked exactly by
 * the parity check against edit.position_ids.
 */
class RopeIndexTest {
    private static final Fixture F = FixtureSupport.fixture();

    private static long[][] longs(SafetensorsFile f, String name, NDManager m) {
        return QwenVlModelParityChecks.longs2d(f.load(name, m));
    }

    private static QwenVlConfig config() {
        return QwenVlConfig.fromFolder(F.editModel().orElseThrow().resolve("text_encoder"));
    }

    @Test
    void multimodalPositionsMatchTransformers() {
        QwenVlConfig cfg = config();
        // The expected values hold for the qwen-tiny fixture prompt only.
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); SafetensorsFile p = F.openReference("processor")) {
            long[][] ids = longs(p, "input_ids", m);
            long[][] mask = longs(p, "attention_mask", m);
            long[][] grid = longs(p, "image_grid_thw", m);
            org.junit.jupiter.api.Assumptions.assumeTrue(ids[0].length == 295 && grid[0][1] == 28);
            long[][][] pos = RopeIndex.positionIds(RopeIndex.Mode.MULTIMODAL, ids, mask, grid, cfg);
            assertArrayEquals(new long[] {70, 71, 72, 72, 72, 72}, Arrays.copyOfRange(pos[0][0], 70, 76));
            assertArrayEquals(new long[] {70, 71, 72, 72, 72, 72}, Arrays.copyOfRange(pos[1][0], 70, 76));
            assertArrayEquals(new long[] {70, 71, 72, 73, 74, 75}, Arrays.copyOfRange(pos[2][0], 70, 76));
            assertArrayEquals(new long[] {72, 72, 72, 86, 87, 88, 89}, Arrays.copyOfRange(pos[0][0], 265, 272));
            assertArrayEquals(new long[] {85, 85, 85, 86, 87, 88, 89}, Arrays.copyOfRange(pos[1][0], 265, 272));
            assertArrayEquals(new long[] {83, 84, 85, 86, 87, 88, 89}, Arrays.copyOfRange(pos[2][0], 265, 272));
            assertArrayEquals(new long[] {111, 112}, Arrays.copyOfRange(pos[0][0], 293, 295));

            // batch of two, the second padded by 5: padding positions are 0
            long[][] ids2 = {ids[0], ids[0]};
            long[][] mask2 = {mask[0].clone(), mask[0].clone()};
            Arrays.fill(mask2[1], 290, 295, 0);
            long[][] grid2 = {grid[0], grid[0]};
            long[][][] pos2 = RopeIndex.positionIds(RopeIndex.Mode.MULTIMODAL, ids2, mask2, grid2, cfg);
            for (int a = 0; a < 3; a++) {
                assertArrayEquals(new long[] {106, 107, 0, 0, 0, 0, 0}, Arrays.copyOfRange(pos2[a][1], 288, 295));
            }
        }
    }

    @Test
    void pipelinePositionsAreSequentialEvenOnPadding() {
        long[][] ids = {{1, 2, 3, 4}, {5, 6, 0, 0}};
        long[][] mask = {{1, 1, 1, 1}, {1, 1, 0, 0}};
        long[][][] pos = RopeIndex.positionIds(RopeIndex.Mode.PIPELINE, ids, mask, new long[][] {{1, 2, 2}}, config());
        for (int a = 0; a < 3; a++) {
            assertArrayEquals(new long[] {0, 1, 2, 3}, pos[a][1]);
        }
    }

    @Test
    void tooFewImagePadsIsAClearError() {
        QwenVlConfig cfg = config();
        long pad = cfg.imageTokenId();
        long[][] ids = {{1, cfg.visionStartTokenId(), pad, pad, cfg.visionEndTokenId()}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RopeIndex.positionIds(RopeIndex.Mode.MULTIMODAL, ids, null, new long[][] {{1, 4, 4}}, cfg));
        assertTrue(e.getMessage().contains("<|image_pad|>"), e.getMessage());
    }
}
