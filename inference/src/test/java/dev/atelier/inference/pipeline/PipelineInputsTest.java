package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.parity.FixtureSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mask processing and the pipelines' own input checks (before any model loads). */
class PipelineInputsTest {
    @Test
    void maskIsBinarisedAtHalfAndSampledNearestOnTheLatentGrid() {
        byte[] v = new byte[32 * 32];
        v[0] = (byte) 127;
        v[1] = (byte) 128;
        float[] c = MaskLatents.condition(new MaskImage(32, 32, v), 32, 32);
        assertEquals(0f, c[0]);
        assertEquals(1f, c[1]);
        float[] plane = new float[8 * 8];
        plane[0] = 1;
        plane[4 * 8 + 4] = 1;
        plane[1] = 1; // not a sampled pixel
        assertArrayEquals(new float[] {1, 0, 0, 1}, MaskLatents.nearest(plane, 8, 8, 2, 2));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] full = new float[64 * 64];
            java.util.Arrays.fill(full, 0, 64 * 32, 1f); // top half
            NDArray packed = MaskLatents.packed(full, 64, 64, m);
            assertEquals(new ai.djl.ndarray.types.Shape(1, 16, 64), packed.getShape());
            float[] p = packed.toFloatArray();
            assertEquals(1f, p[0]);
            assertEquals(0f, p[p.length - 1]);
            assertEquals(0.5, packed.mean().getFloat(), 1e-6);
        }
    }

    @Test
    void aMaskOfAnotherSizeIsResizedToTheWorkingSize() {
        float[] c = MaskLatents.condition(MaskImage.filled(10, 10, 255), 64, 48);
        assertEquals(64 * 48, c.length);
        assertEquals(1.0, MaskLatents.coverage(c));
    }

    static InpaintPipeline.Inputs inpaint(MaskImage mask, double strength, int steps) {
        return new InpaintPipeline.Inputs(RgbImage.filled(64, 64, 0x808080), mask, List.of(), "x", null, strength, 64, 64,
                new PipelineSupport.Sampling(steps, 1, null, DenoiseLoop.CfgMode.BATCHED), NoiseSource.seeded(1), true, 0, 0);
    }

    @Test
    void faintMasksAreRefusedBeforeAnyModelLoadsAndLowStrengthRunsTheScheduleTail() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                ModelBundle b = ModelBundle.open(FixtureSupport.fixture().t2iModel().orElseThrow(), m)) {
            InpaintPipeline p = new InpaintPipeline(b, InpaintPipeline.Mode.TEXT_TO_IMAGE);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> p.run(inpaint(MaskImage.filled(64, 64, 100), 1, 4), m, PipelineSupport.Observer.NONE, null));
            assertTrue(e.getMessage().contains("half strength"), e.getMessage());
            assertTrue(!b.isLoaded("text_encoder") && !b.isLoaded("transformer") && !b.isLoaded("vae"));
            // get_timesteps: 4 steps at strength 0.1 keep int(4 - 0.4) = 3 skipped, 1 step run (never 0 for strength > 0).
            java.util.List<Integer> steps = new java.util.ArrayList<>();
            p.run(inpaint(MaskImage.filled(64, 64, 255), 0.1, 4), m, PipelineSupport.Observer.NONE,
                    st -> steps.add(st.total()));
            assertEquals(List.of(1), steps);
        }
    }

    @Test
    void editTakesOneToThreeImages() {
        var s = new PipelineSupport.Sampling(1, 1, null, null);
        RgbImage img = RgbImage.filled(16, 16, 0);
        assertThrows(IllegalArgumentException.class, () -> new EditPipeline.Inputs(List.of(), "x", null, 0, 0, s, null,
                null, true));
        assertThrows(IllegalArgumentException.class, () -> new EditPipeline.Inputs(List.of(img, img, img, img), "x", null,
                0, 0, s, null, null, true));
        assertThrows(IllegalArgumentException.class, () -> new PipelineSupport.Sampling(0, 1, null, null));
        assertThrows(IllegalArgumentException.class, () -> new PipelineSupport.Sampling(4, Double.NaN, null, null));
    }

    @Test
    void modelFolderErrorsNameTheMissingPart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            EngineError e = assertThrows(EngineError.class, () -> ModelBundle.open(tmp.resolve("nope"), m));
            assertEquals(FailureKind.MODEL_MISSING, e.kind());
            java.nio.file.Files.writeString(tmp.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
            e = assertThrows(EngineError.class, () -> ModelBundle.open(tmp, m));
            assertEquals(FailureKind.MODEL_INVALID, e.kind());
            assertTrue(e.getMessage().contains("StableDiffusionPipeline"), e.getMessage());
            java.nio.file.Files.writeString(tmp.resolve("model_index.json"), "{\"_class_name\": \"QwenImagePipeline\"}");
            try (ModelBundle b = ModelBundle.open(tmp, m)) {
                e = assertThrows(EngineError.class, b::transformer);
                assertTrue(e.getMessage().contains("transformer/"), e.getMessage());
                java.nio.file.Files.createDirectories(tmp.resolve("transformer"));
                java.nio.file.Files.writeString(tmp.resolve("transformer/config.json"), "{}");
                e = assertThrows(EngineError.class, b::transformer);
                assertTrue(e.getMessage().contains("no .safetensors"), e.getMessage());
                e = assertThrows(EngineError.class, b::scheduler);
                assertTrue(e.getMessage().contains("scheduler/"), e.getMessage());
            }
        }
    }
}
