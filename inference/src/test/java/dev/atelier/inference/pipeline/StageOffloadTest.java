package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.runtime.BlockPlacement;
import dev.atelier.inference.runtime.Bytes;
import dev.atelier.inference.runtime.ComponentPlan;
import dev.atelier.inference.runtime.ComponentPlan.Placement;
import dev.atelier.inference.runtime.ComponentRole;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.PlanRequest;
import dev.atelier.inference.runtime.VaeTiling;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A memory plan applied to a model bundle: stage offload in model_cpu_offload_seq order, the plan's VAE tiling. */
class StageOffloadTest {
    static MemoryPlan plan(Placement te, Placement tr, Placement vae, VaeTiling tiling) {
        PlanRequest r = new PlanRequest(64, 64, 0, 2, 1, 512, 8 * Bytes.GIB, 4, false, false, false);
        List<ComponentPlan> c = List.of(
                new ComponentPlan(ComponentRole.TEXT_ENCODER, "text encoder", te, 1, 1, 1, List.of(), 0),
                new ComponentPlan(ComponentRole.TRANSFORMER, "transformer", tr, 1, 1, 1, List.of(), 0),
                new ComponentPlan(ComponentRole.VAE, "VAE", vae, 1, 1, 1, List.of(), 0));
        return new MemoryPlan(r.budgetBytes(), 0, MemoryPlan.Mode.STAGED, c, tiling, 1, 0, 0, 0,
                new MemoryPlan.Estimate(0, 0, 0, 0, 0), r);
    }

    static float[] generate(ModelBundle b, NDManager m) {
        var in = new TextToImagePipeline.Inputs("a red house by a lake", null, 64, 64,
                new PipelineSupport.Sampling(2, 1.0, null, DenoiseLoop.CfgMode.BATCHED), null, NoiseSource.seeded(11),
                true);
        try (NDManager run = m.newSubManager()) {
            return new TextToImagePipeline(b).run(in, run, PipelineSupport.Observer.NONE, null).decoded().toFloatArray();
        }
    }

    @Test
    void stagedComponentsAreReleasedBeforeTheNextStageAndTheImageIsUnchanged() {
        var dir = FixtureSupport.fixture().t2iModel().orElseThrow();
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); ModelBundle b = ModelBundle.open(dir, m)) {
            float[] resident = generate(b, m);
            assertTrue(b.releases().isEmpty());
            b.applyPlan(plan(Placement.STAGED, Placement.STAGED, Placement.RESIDENT, new VaeTiling(false, 0, 0, 0)));
            b.releaseAll();
            int before = b.releases().size();
            float[] staged = generate(b, m);
            assertEquals(List.of(ComponentRole.TEXT_ENCODER, ComponentRole.TRANSFORMER),
                    b.releases().subList(before, b.releases().size()),
                    "text encoder released when the transformer loads, transformer when the VAE decodes");
            assertTrue(b.isLoaded("vae") && !b.isLoaded("transformer") && !b.isLoaded("text_encoder"));
            assertArrayEquals(resident, staged, "stage offload does not change a single value");
            assertNull(b.vaeTiling());
        }
    }

    @Test
    void aStreamingPlanLoadsTheTransformerWithItsBlockPlacementAndTheImageIsUnchanged() {
        var dir = FixtureSupport.fixture().t2iModel().orElseThrow();
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); ModelBundle b = ModelBundle.open(dir, m)) {
            float[] resident = generate(b, m);
            int n = b.transformer().config().numLayers();
            List<BlockPlacement> blocks = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                blocks.add(new BlockPlacement(i, "transformer_blocks." + i, 1,
                        i % 2 == 1 || n == 1 ? BlockPlacement.Residency.STREAMED : BlockPlacement.Residency.RESIDENT));
            }
            PlanRequest r = new PlanRequest(64, 64, 0, 2, 1, 512, 8 * Bytes.GIB, 4, false, false, false);
            List<ComponentPlan> c = List.of(
                    new ComponentPlan(ComponentRole.TEXT_ENCODER, "text encoder", Placement.RESIDENT, 1, 1, 1, List.of(), 0),
                    new ComponentPlan(ComponentRole.TRANSFORMER, "transformer", Placement.STREAMED, 1, 1, 1, blocks, 1),
                    new ComponentPlan(ComponentRole.VAE, "VAE", Placement.RESIDENT, 1, 1, 1, List.of(), 0));
            b.applyPlan(new MemoryPlan(r.budgetBytes(), 0, MemoryPlan.Mode.STREAMING, c, new VaeTiling(false, 0, 0, 0),
                    1, 0, 1, 0, new MemoryPlan.Estimate(0, 0, 0, 0, 0), r));
            assertEquals(List.of(ComponentRole.TRANSFORMER), b.releases(), "reloaded with the new placement");
            float[] streamed = generate(b, m);
            assertTrue(b.transformer().streamer().isPresent(), "the transformer streams the planned blocks");
            assertArrayEquals(resident, streamed, "streaming blocks does not change a single value");
        }
    }

    @Test
    void aTiledPlanDecodesInThePlansTiles() {
        var dir = FixtureSupport.fixture().t2iModel().orElseThrow();
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); ModelBundle b = ModelBundle.open(dir, m)) {
            b.applyPlan(plan(Placement.RESIDENT, Placement.RESIDENT, Placement.RESIDENT,
                    new VaeTiling(true, 32, 16, 5 * Bytes.MIB)));
            var tiling = b.vaeTiling();
            assertNotNull(tiling);
            assertEquals(48, tiling.tileSample());
            assertEquals(32, tiling.strideSample());
            float[] px = generate(b, m);
            assertEquals(3 * 64 * 64, px.length);
            assertEquals(5 * Bytes.MIB, b.vae().memoryBudget(), "encodes tile within the plan's VAE peak");
            b.clearPlan();
            assertNull(b.vaeTiling());
            assertEquals(Long.MAX_VALUE, b.vae().memoryBudget());
        }
    }
}
