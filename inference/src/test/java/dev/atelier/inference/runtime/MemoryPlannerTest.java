package dev.atelier.inference.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.runtime.ComponentPlan.Placement;
import dev.atelier.inference.runtime.ComponentWeights.WeightPrecision;
import dev.atelier.inference.runtime.MemoryPlan.Mode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {
    private static final long GIB = Bytes.GIB;
    private static final long MIB = Bytes.MIB;

    /** n blocks of blockMib MiB (one bf16 tensor each) + otherMib MiB outside the blocks. */
    private static ComponentWeights synthetic(ComponentRole role, int n, long blockMib, long otherMib) {
        Map<String, TensorInfo> t = new LinkedHashMap<>();
        t.put("proj_in.weight", new TensorInfo("proj_in.weight", "BF16", new long[] {otherMib * MIB / 2}, otherMib * MIB, Path.of("x")));
        for (int i = 0; i < n; i++) {
            String k = "transformer_blocks." + i + ".w";
            t.put(k, new TensorInfo(k, "BF16", new long[] {blockMib * MIB / 2}, blockMib * MIB, Path.of("x")));
        }
        return ComponentWeights.of(role, role.label(), t, WeightPrecision.BF16);
    }

    private static PlanRequest small(long budget) {
        return new PlanRequest(512, 512, 0, 10, 2, 64, budget, 2, true, true, false);
    }

    @Test
    void componentSizesComeFromTheWeightTable() {
        ComponentWeights w = synthetic(ComponentRole.TRANSFORMER, 4, 100, 50);
        assertEquals(4, w.blocks().size());
        assertEquals("transformer_blocks.2", w.blocks().get(2).key());
        assertEquals(100 * MIB, w.maxBlockBytes());
        assertEquals(450 * MIB, w.totalBytes());
        assertEquals(Map.of("BF16", 450 * MIB), w.storedBytesByDtype());
    }

    @Test
    void everythingResidentWhenItFits() {
        MemoryPlanner p = new MemoryPlanner(List.of(synthetic(ComponentRole.TRANSFORMER, 8, 100, 50)), DeviceProfile.UNKNOWN);
        MemoryPlan plan = p.plan(small(8 * GIB));
        assertEquals(Mode.FITS, plan.mode());
        assertEquals(0, plan.streamedBytesPerStep());
        assertTrue(plan.transformerBlocks().stream().noneMatch(BlockPlacement::streamed));
        assertTrue(plan.summary().startsWith("fits: "), plan.summary());
        assertTrue(plan.peakBytes() <= plan.budgetBytes());
    }

    @Test
    void streamingKeepsAsManyBlocksAsFillTheBudgetSpreadEvenly() {
        ComponentWeights t = synthetic(ComponentRole.TRANSFORMER, 10, 500, 100);
        MemoryPlanner p = new MemoryPlanner(List.of(t), DeviceProfile.UNKNOWN);
        PlanRequest r = small(4 * GIB);
        MemoryPlan plan = p.plan(r);
        assertEquals(Mode.STREAMING, plan.mode());
        long act = MemoryPlanner.transformerActivationBytes(t, r) + MemoryPlanner.SLACK_BYTES;
        long room = 4 * GIB - MemoryPlanner.CONTEXT_BYTES - act - MemoryPlanner.STREAM_BUFFERS * 500 * MIB - 100 * MIB;
        int resident = (int) (room / (500 * MIB));
        ComponentPlan tp = plan.component(ComponentRole.TRANSFORMER).orElseThrow();
        assertEquals(resident, tp.residentBlocks());
        assertEquals((10 - resident) * 500 * MIB, tp.streamedBytesPerForward());
        assertEquals(tp.streamedBytesPerForward(), plan.streamedBytesPerStep(),
                "the CFG pair is one forward of batch 2: blocks stream once per step");
        assertTrue(plan.peakBytes() <= 4 * GIB, Bytes.format(plan.peakBytes()));
        // streamed blocks are spread out: no run of streamed blocks longer than ceil(streamed / resident)
        List<BlockPlacement> b = plan.transformerBlocks();
        int streamed = 10 - resident;
        int run = 0;
        int longest = 0;
        for (BlockPlacement x : b) {
            run = x.streamed() ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertTrue(resident > 0);
        assertTrue(longest <= (streamed + resident - 1) / resident, "longest streamed run " + longest);
        assertTrue(plan.summary().startsWith("streams "), plan.summary());
    }

    @Test
    void evenSpreadPlacement() {
        ComponentWeights t = synthetic(ComponentRole.TRANSFORMER, 6, 1, 1);
        String pattern = MemoryPlanner.placements(t, 3).stream().map(x -> x.streamed() ? "S" : "R")
                .reduce("", String::concat);
        assertEquals("RSRSRS", pattern);
        assertEquals("SSSSSS", MemoryPlanner.placements(t, 0).stream().map(x -> x.streamed() ? "S" : "R").reduce("", String::concat));
        assertEquals("RRRRRR", MemoryPlanner.placements(t, 6).stream().map(x -> x.streamed() ? "S" : "R").reduce("", String::concat));
    }

    @Test
    void tooSmallNamesTheMinimumBudget() {
        ComponentWeights t = synthetic(ComponentRole.TRANSFORMER, 10, 500, 100);
        MemoryPlan plan = new MemoryPlanner(List.of(t), DeviceProfile.UNKNOWN).plan(small(GIB));
        assertEquals(Mode.TOO_SMALL, plan.mode());
        assertFalse(plan.feasible());
        assertTrue(plan.minimumBudgetBytes() > GIB);
        assertTrue(plan.summary().contains(Bytes.format(plan.minimumBudgetBytes())), plan.summary());
        // and that minimum works
        assertTrue(new MemoryPlanner(List.of(t), DeviceProfile.UNKNOWN).plan(small(plan.minimumBudgetBytes())).feasible());
    }

    @Test
    void stageOffloadBeforeStreamingWhenEachStageFitsAlone() {
        ComponentWeights te = synthetic(ComponentRole.TEXT_ENCODER, 4, 500, 100);
        ComponentWeights t = synthetic(ComponentRole.TRANSFORMER, 4, 500, 100);
        MemoryPlanner planner = new MemoryPlanner(List.of(te, t), DeviceProfile.UNKNOWN);
        MemoryPlan roomy = planner.plan(small(8 * GIB));
        assertEquals(Mode.FITS, roomy.mode());
        // 4 GiB: each fits alone, not both; the text encoder on the CPU would be slower than moving both per job
        MemoryPlan plan = planner.plan(small(4 * GIB));
        assertEquals(Mode.STAGED, plan.mode(), plan.details().toString());
        assertEquals(Placement.STAGED, plan.component(ComponentRole.TEXT_ENCODER).orElseThrow().placement());
        assertEquals(Placement.STAGED, plan.component(ComponentRole.TRANSFORMER).orElseThrow().placement());
        assertEquals(te.totalBytes() + t.totalBytes(), plan.transferBytesPerJob());
        assertEquals(0, plan.streamedBytesPerStep());
        assertTrue(plan.peakBytes() <= 4 * GIB);
        assertEquals(List.of(ComponentRole.TEXT_ENCODER, ComponentRole.TRANSFORMER),
                plan.components().stream().map(ComponentPlan::role).toList(), "stage order");
    }

    @Test
    void vaeTilesWhenAWholeDecodeWouldNotFit() {
        VaeTiling whole = VaeTiling.decide(1024, 1024, 2, 4 * GIB, false);
        assertFalse(whole.tiled());
        VaeTiling tiled = VaeTiling.decide(2048, 2048, 2, 2 * GIB, false);
        assertTrue(tiled.tiled());
        assertTrue(tiled.peakBytes() <= 2 * GIB);
        assertTrue(VaeTiling.decide(1024, 1024, 2, 4 * GIB, true).tiled(), "forced (OOM retry)");
    }

    // ---- the real model sizes

    @Test
    void realTransformerSizes() {
        ComponentWeights bf16 = ComponentWeights.of(ComponentRole.TRANSFORMER, "t", ReferenceSizes.qwenImageTransformer(false), WeightPrecision.BF16);
        assertEquals(60, bf16.blocks().size());
        long perBlockParams = bf16.maxBlockBytes() / 2;
        assertEquals(339.8e6, perBlockParams, 0.1e6, "Qwen-Image block: 339.8 M parameters");
        assertEquals(40.9e9, bf16.totalBytes(), 0.1e9, "about 41 GB in bf16");
        assertEquals(3072, bf16.hidden());
        assertEquals(12288, bf16.mlpHidden());
        ComponentWeights fp8 = ComponentWeights.of(ComponentRole.TRANSFORMER, "t", ReferenceSizes.qwenImageTransformer(true), WeightPrecision.FP8);
        assertEquals(340e6, fp8.maxBlockBytes(), 1e6, "about 340 MB per block in fp8");
        assertTrue(MemoryPlanner.fp8Weights(fp8));
        assertFalse(MemoryPlanner.fp8Weights(bf16));
        ComponentWeights te = ComponentWeights.of(ComponentRole.TEXT_ENCODER, "te", ReferenceSizes.qwen25VlTextEncoder(), WeightPrecision.BF16);
        assertEquals(8.29e9, te.totalBytes() / 2.0, 0.02e9, "Qwen2.5-VL-7B: 8.29 B parameters");
        assertEquals(3584, te.hidden());
        assertEquals(18944, te.mlpHidden());
    }

    @Test
    void h100TimeModelIsCalibratedOnTheMeasuredForward() {
        ComponentWeights t = ComponentWeights.of(ComponentRole.TRANSFORMER, "t", ReferenceSizes.qwenImageTransformer(false), WeightPrecision.BF16);
        PlanRequest r = PlanRequest.edit1024(80 * GIB);
        double flops = MemoryPlanner.transformerFlops(t, r);
        assertEquals(1.74e14, flops, 0.01e14);
        double forward = flops / DeviceProfile.forName("NVIDIA H100 80GB HBM3").effectiveFlops(false);
        assertEquals(0.309, forward, 0.01, "Atelier's bf16 forward with its CUDA kernels, H100, 2026-11-25");
        double fp8 = flops / DeviceProfile.forName("NVIDIA H100 80GB HBM3").effectiveFlops(true);
        assertEquals(0.257, fp8, 0.01, "fp8 weights with the fp8 matmul (0.247-0.264 s measured)");
    }

    @Test
    void realSizesOnAnH100AtEachBudget() {
        MemoryPlanner bf16 = new MemoryPlanner(ReferenceSizes.components(false), DeviceProfile.forName("NVIDIA H100 80GB HBM3"));
        MemoryPlan full = bf16.plan(PlanRequest.edit1024(75 * GIB));
        assertEquals(Mode.FITS, full.mode(), full.details().toString());
        for (long budget : new long[] {24 * GIB, 16 * GIB, 12 * GIB}) {
            MemoryPlan p = bf16.plan(PlanRequest.edit1024(budget));
            assertEquals(Mode.STREAMING, p.mode(), p.details().toString());
            assertTrue(p.peakBytes() <= budget, p.summary());
            ComponentPlan t = p.component(ComponentRole.TRANSFORMER).orElseThrow();
            long streamedBlocks = t.blocks().stream().filter(BlockPlacement::streamed).count();
            assertEquals(streamedBlocks * t.blocks().getFirst().bytes(), p.streamedBytesPerStep());
            assertTrue(p.estimate().perStep() >= full.estimate().perStep());
        }
        MemoryPlanner fp8 = new MemoryPlanner(ReferenceSizes.components(true), DeviceProfile.forName("NVIDIA H100 80GB HBM3"));
        MemoryPlan p12 = fp8.plan(PlanRequest.edit1024(12 * GIB));
        MemoryPlan b12 = bf16.plan(PlanRequest.edit1024(12 * GIB));
        assertTrue(p12.streamedBytesPerStep() < b12.streamedBytesPerStep() / 2, p12.summary() + " vs " + b12.summary());
        assertTrue(p12.peakBytes() <= 12 * GIB);
    }

    @Test
    void defaultBudgetKeepsAMargin() {
        assertEquals(70 * GIB, MemoryPlanner.defaultBudget(74 * GIB, 80 * GIB), "5 % of 80 GiB = 4 GiB");
        assertEquals(19 * GIB, MemoryPlanner.defaultBudget(20 * GIB, 12 * GIB), "at least 1 GiB");
        assertEquals(0, MemoryPlanner.defaultBudget(0, 24 * GIB));
    }

    @Test
    void bytesFormatAndParse() {
        assertEquals("8.2 GiB", Bytes.format((long) (8.2 * GIB)));
        assertEquals("unknown", Bytes.format(-1));
        assertEquals(12 * GIB, Bytes.parse("12GiB"));
        assertEquals(12 * GIB, Bytes.parse("12 GB"));
        assertEquals(800 * MIB, Bytes.parse("800m"));
        assertEquals((long) (1.5 * GIB), Bytes.parse("1.5g"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Bytes.parse("lots"));
    }
}
