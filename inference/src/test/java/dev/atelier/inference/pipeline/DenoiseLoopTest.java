package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import dev.atelier.inference.sched.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DenoiseLoopTest {
    /** A fake transformer: v = hidden * 0.5 + mean(text) (uses every input, keeps the shape). */
    static final DenoiseLoop.Denoiser FAKE = (hidden, text, mask, t, shapes) -> {
        NDArray mt = text.mean(new int[] {2}, true).mean(new int[] {1}, true);
        return hidden.mul(0.5f).add(mt).add(t.reshape(-1, 1, 1));
    };

    static DenoiseLoop.Spec spec(NDManager m, NDArray ref, DenoiseLoop.CfgMode mode, Conditioning uncond, int steps,
            DenoiseLoop.InpaintBlend blend) {
        FlowMatchEulerScheduler s = FlowMatchEulerScheduler.forRun(SchedulerConfig.qwenImage(), null, steps, 16);
        Conditioning cond = new Conditioning(m.randomNormal(new Shape(1, 5, 8)), null);
        List<ImageShape> shapes = ref == null ? List.of(new ImageShape(1, 4, 4))
                : List.of(new ImageShape(1, 4, 4), new ImageShape(1, 2, 2));
        return new DenoiseLoop.Spec(FAKE, s, s.timesteps(), ref, shapes, cond, uncond, 4.0, mode, blend, 0);
    }

    @Test
    void nativeArraysStayAtTheirLevelAcrossStepsAndAfterACancel() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray latents = m.randomNormal(new Shape(1, 16, 64));
            NDArray ref = m.randomNormal(new Shape(1, 4, 64));
            Conditioning uncond = new Conditioning(m.randomNormal(new Shape(1, 3, 8)), null);
            DenoiseLoop.Spec spec = spec(m, ref, DenoiseLoop.CfgMode.BATCHED, uncond, 6, null);
            try (NDManager run = m.newSubManager()) {
                int before = run.getManagedArrays().size();
                List<Integer> during = new ArrayList<>();
                NDArray out = DenoiseLoop.run(spec, latents, run, s -> during.add(run.getManagedArrays().size()));
                assertEquals(6, during.size());
                // Only the current latents (+ the step's own sub-manager contents) exist during a step: no growth.
                assertEquals(1, during.stream().distinct().count(), "arrays per step " + during);
                assertEquals(before + 1, run.getManagedArrays().size(), "only the result survives");
                out.close();
                assertEquals(before, run.getManagedArrays().size());
                RuntimeException cancel = new RuntimeException("cancelled");
                assertThrows(RuntimeException.class, () -> DenoiseLoop.run(spec(m, ref, DenoiseLoop.CfgMode.BATCHED,
                        uncond, 6, null), latents, run, s -> {
                            if (s.index() == 2) {
                                throw cancel;
                            }
                        }));
                assertEquals(before, run.getManagedArrays().size(), "a cancelled loop leaves nothing behind");
            }
        }
    }

    @Test
    void batchedAndSequentialCfgAgreeAlsoWithPromptsOfDifferentLengths() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray latents = m.randomNormal(new Shape(1, 16, 64));
            Conditioning uncond = new Conditioning(m.randomNormal(new Shape(1, 3, 8)), null);
            DenoiseLoop.Spec a = spec(m, null, DenoiseLoop.CfgMode.BATCHED, uncond, 3, null);
            DenoiseLoop.Spec b = new DenoiseLoop.Spec(FAKE, FlowMatchEulerScheduler.forRun(SchedulerConfig.qwenImage(),
                    null, 3, 16), a.timesteps(), null, a.imgShapes(), a.cond(), uncond, 4.0, DenoiseLoop.CfgMode.SEQUENTIAL,
                    null, 0);
            // The fake averages over all text rows (padding included), so compare a mask-aware denoiser instead:
            DenoiseLoop.Denoiser masked = (hidden, text, mask, t, shapes) -> {
                NDArray w = mask == null ? text.onesLike().get(":, :, 0") : mask.toType(text.getDataType(), false);
                NDArray mt = text.mul(w.expandDims(2)).sum(new int[] {1, 2}, true).div(w.sum(new int[] {1}, true)
                        .expandDims(2).mul(text.getShape().get(2)));
                return hidden.mul(0.5f).add(mt);
            };
            NDArray x = DenoiseLoop.run(withDenoiser(a, masked), latents, m, null);
            NDArray y = DenoiseLoop.run(withDenoiser(b, masked), latents, m, null);
            assertTrue(x.sub(y).abs().max().getFloat() < 1e-5f);
        }
    }

    @Test
    void aBatchedForwardThatRunsOutOfMemoryFallsBackToSequential() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray latents = m.randomNormal(new Shape(1, 16, 64));
            Conditioning uncond = new Conditioning(m.randomNormal(new Shape(1, 5, 8)), null);
            int[] batch2Calls = {0};
            DenoiseLoop.Denoiser small = (hidden, text, mask, t, shapes) -> {
                if (hidden.getShape().get(0) == 2) {
                    batch2Calls[0]++;
                    throw new ai.djl.engine.EngineException("CUDA out of memory. Tried to allocate 2.00 GiB");
                }
                return FAKE.forward(hidden, text, mask, t, shapes);
            };
            DenoiseLoop.Spec a = withDenoiser(spec(m, null, DenoiseLoop.CfgMode.BATCHED, uncond, 3, null), small);
            DenoiseLoop.Spec b = new DenoiseLoop.Spec(small, FlowMatchEulerScheduler.forRun(SchedulerConfig.qwenImage(),
                    null, 3, 16), a.timesteps(), null, a.imgShapes(), a.cond(), uncond, 4.0, DenoiseLoop.CfgMode.SEQUENTIAL,
                    null, 0);
            NDArray x = DenoiseLoop.run(a, latents, m, null);
            NDArray y = DenoiseLoop.run(b, latents, m, null);
            assertEquals(1, batch2Calls[0], "batched once, then sequential for the rest of the run");
            assertEquals(0f, x.sub(y).abs().max().getFloat());
            assertThrows(IllegalStateException.class, () -> DenoiseLoop.run(withDenoiser(a, (h, t2, mk, t, s) -> {
                throw new IllegalStateException("shape mismatch");
            }), latents, m, null), "other errors are not swallowed");
        }
    }

    static DenoiseLoop.Spec withDenoiser(DenoiseLoop.Spec s, DenoiseLoop.Denoiser d) {
        return new DenoiseLoop.Spec(d, s.scheduler(), s.timesteps(), s.imageLatents(), s.imgShapes(), s.cond(), s.uncond(),
                s.cfgScale(), s.cfgMode(), s.blend(), s.maxSteps());
    }

    @Test
    void inpaintBlendKeepsTheCleanLatentsOutsideTheMaskAtTheEnd() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray latents = m.randomNormal(new Shape(1, 16, 64));
            NDArray clean = m.randomNormal(new Shape(1, 16, 64));
            NDArray noise = m.randomNormal(new Shape(1, 16, 64));
            float[] mk = new float[16 * 64];
            for (int i = 0; i < 8 * 64; i++) {
                mk[i] = 1f;
            }
            NDArray mask = m.create(mk, new Shape(1, 16, 64));
            DenoiseLoop.Spec s = spec(m, null, DenoiseLoop.CfgMode.BATCHED, null, 4,
                    new DenoiseLoop.InpaintBlend(mask, clean, noise));
            NDArray out = DenoiseLoop.run(s, latents, m, null);
            float[] o = out.toFloatArray();
            float[] c = clean.toFloatArray();
            for (int i = 8 * 64; i < o.length; i++) {
                assertEquals(c[i], o[i], 0f, "unmasked token value " + i);
            }
        }
    }
}
