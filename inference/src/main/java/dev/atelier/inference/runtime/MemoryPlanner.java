package dev.atelier.inference.runtime;

import dev.atelier.inference.runtime.BlockPlacement.Residency;
import dev.atelier.inference.runtime.ComponentPlan.Placement;
import dev.atelier.inference.runtime.MemoryPlan.Mode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Plans where weights live for one job within a VRAM budget, from the weight tables alone (nothing loaded).
 *
 * <p>Order of preference: everything resident; stage offload (text encoder → transformer → VAE: a component that
 * does not fit beside the others moves to the GPU for its stage only, the text encoder first); transformer block
 * streaming (non-block weights + as many blocks as fill the budget resident, the rest copied per forward from
 * pinned host memory into two rotating buffers); text encoder streaming or CPU; tiled VAE decode when a whole
 * decode would not fit in what is left.
 *
 * <p>Memory model (bytes; estimates to be replaced by the benchmark's NVML peaks):
 * {@link #CONTEXT_BYTES} for the CUDA context and cuBLAS/cuDNN workspaces, {@link #SLACK_BYTES} per stage for the
 * caching allocator's fragmentation, transformer activations from {@link #transformerActivationBytes}.
 * Time model: {@link DeviceProfile}.
 */
public final class MemoryPlanner {
    /**
     * Side-stream copies overlap compute, but not perfectly (they share memory bandwidth and wait on each block's
     * event): a forward takes the longer of the two plus this fraction of the shorter. Measured on the H100
     * (2026-11-25): fp8 at 12 GiB 0.34–0.41 s for 0.32 s compute + 0.22 s copies, bf16 at 12 GiB 0.67–0.76 s for 0.35 +
     * 0.67 s.
     */
    static final double OVERLAP_RESIDUAL = 0.25;

    /** CUDA context + cuBLAS/cuDNN workspaces of a torch process (~0.5-0.7 GiB on an H100), rounded up. */
    public static final long CONTEXT_BYTES = 768 * Bytes.MIB;
    /** Headroom per stage for the caching allocator's rounding and fragmentation. */
    public static final long SLACK_BYTES = 256 * Bytes.MIB;
    /** Block-sized buffers a streamed transformer needs on the GPU besides its resident blocks. */
    static final int STREAM_BUFFERS = 4;

    /** Margin kept free when the budget comes from free memory: max(1 GiB, 5 % of the card). */
    public static final long MIN_MARGIN_BYTES = Bytes.GIB;
    /**
     * Live hidden-size tensors per token inside a transformer block (residuals, norm+modulation, q, k, v, the joint
     * q/k/v, attention out, projections, the caching allocator's rounding). With {@link #MLP_TENSORS_PER_TOKEN}
     * calibrated on the H100 (2026-11-25): the second sample of the batched CFG pair added 1.24 GiB to the process
     * peak at 1024² edit + 1 reference (fp8 weights, fp8 matmul, all blocks resident); 14 + 3 make 1.24 GiB.
     */
    public static final int HIDDEN_TENSORS_PER_TOKEN = 14;
    /** Live MLP-size tensors per image token (fc1 output, its fp8 or bf16 copy for fc2, the allocator's rounding). */
    public static final int MLP_TENSORS_PER_TOKEN = 3;
    /** VAE FLOP per pixel for one encode or decode (Wan 2.1 VAE: 3x3x3 convs at 96-384 channels over 4 scales). */
    public static final double VAE_FLOPS_PER_PIXEL = 1.2e7;
    /** Vision tokens the text encoder adds per reference image (Qwen2.5-VL at the 384² condition size). */
    public static final int VISION_TOKENS_PER_IMAGE = 256;

    private final Map<ComponentRole, ComponentWeights> components = new EnumMap<>(ComponentRole.class);
    private final DeviceProfile profile;

    public MemoryPlanner(List<ComponentWeights> weights, DeviceProfile profile) {
        for (ComponentWeights w : weights) {
            if (components.put(w.role(), w) != null) {
                throw new IllegalArgumentException("two components with role " + w.role());
            }
        }
        this.profile = profile;
    }

    /** The default budget: free memory now minus max(1 GiB, 5 % of the card). */
    public static long defaultBudget(long freeBytes, long totalBytes) {
        long margin = Math.max(MIN_MARGIN_BYTES, totalBytes / 20);
        return Math.max(0, freeBytes - margin);
    }

    public MemoryPlan plan(PlanRequest r) {
        long avail = r.budgetBytes() - CONTEXT_BYTES;
        Map<ComponentRole, Stage> stages = new EnumMap<>(ComponentRole.class);
        long minimum = 0;
        ComponentWeights t = components.get(ComponentRole.TRANSFORMER);
        if (t != null) {
            Stage s = fitOrStream(t, transformerActivationBytes(t, r) + SLACK_BYTES, avail);
            if (s == null) {
                minimum = Math.max(minimum, minimumFor(t, transformerActivationBytes(t, r) + SLACK_BYTES));
            } else {
                stages.put(ComponentRole.TRANSFORMER, s);
            }
        }
        ComponentWeights te = components.get(ComponentRole.TEXT_ENCODER);
        if (te != null) {
            Stage s = fitOrStream(te, textEncoderActivationBytes(te, r) + SLACK_BYTES, avail);
            stages.put(ComponentRole.TEXT_ENCODER, s != null ? s : Stage.cpu(te));
        }
        ComponentWeights v = components.get(ComponentRole.VAE);
        if (v != null) {
            long minTile = VaeTiling.decide(256, 256, r.computeBytes(), 0, true).peakBytes();
            if (v.totalBytes() + minTile + SLACK_BYTES > avail) {
                minimum = Math.max(minimum, v.totalBytes() + minTile + SLACK_BYTES + CONTEXT_BYTES);
            }
        }
        if (minimum > 0) {
            return tooSmall(r, minimum);
        }
        // Which components stay on the GPU between stages: try keeping all, then drop the text encoder, then the VAE.
        List<List<ComponentRole>> keepOptions = List.of(
                List.of(ComponentRole.TEXT_ENCODER, ComponentRole.TRANSFORMER, ComponentRole.VAE),
                List.of(ComponentRole.TRANSFORMER, ComponentRole.VAE), List.of(ComponentRole.TRANSFORMER), List.of());
        // Pick the fastest feasible option (ties: the earlier, i.e. more kept).
        MemoryPlan best = null;
        for (List<ComponentRole> keep : keepOptions) {
            MemoryPlan p = tryKeep(r, avail, stages, keep);
            if (p != null && (best == null || p.estimate().total() < best.estimate().total() - 1e-9)) {
                best = p;
            }
        }
        if (best == null) {
            throw new AssertionError("every stage fits alone, so keeping nothing must fit");
        }
        return best;
    }

    /** One component's own stage: its GPU weights, per-block placement, activations (incl. buffers). */
    private record Stage(ComponentWeights w, Placement placement, long gpuBytes, long activationBytes,
                         List<BlockPlacement> blocks, long streamedPerForward) {
        static Stage cpu(ComponentWeights w) {
            return new Stage(w, Placement.CPU, 0, 0, List.of(), 0);
        }

        long peak() {
            return gpuBytes + activationBytes;
        }
    }

    /** Whole if it fits, else streamed with as many resident blocks as fit; null when not even that fits. */
    private static Stage fitOrStream(ComponentWeights w, long activation, long avail) {
        if (w.totalBytes() + activation <= avail) {
            return new Stage(w, Placement.RESIDENT, w.totalBytes(), activation, placements(w, w.blocks().size()), 0);
        }
        // Streamed blocks rotate through two buffers, and the side-stream copies (ops/atelier-cuda-streams-v1.pt)
        // keep their own pair in the copy stream's allocator pool: measured on the H100 at fp8/12 GiB, the peak was
        // 0.65 GiB (about two fp8 blocks) above a plan that counted only two.
        long buffers = STREAM_BUFFERS * w.maxBlockBytes();
        long room = avail - activation - buffers - w.otherBytes();
        if (w.blocks().isEmpty() || room < 0) {
            return null;
        }
        int k = (int) Math.min(w.blocks().size(), room / Math.max(1, w.maxBlockBytes()));
        List<BlockPlacement> blocks = placements(w, k);
        long resident = blocks.stream().filter(b -> !b.streamed()).mapToLong(BlockPlacement::bytes).sum();
        long streamed = blocks.stream().filter(BlockPlacement::streamed).mapToLong(BlockPlacement::bytes).sum();
        return new Stage(w, Placement.STREAMED, w.otherBytes() + resident, activation + buffers, blocks, streamed);
    }

    private static long minimumFor(ComponentWeights w, long activation) {
        long oneStreamed = w.otherBytes() + STREAM_BUFFERS * w.maxBlockBytes() + activation;
        return (w.blocks().isEmpty() ? w.totalBytes() + activation : oneStreamed) + CONTEXT_BYTES;
    }

    /**
     * {@code resident} of the blocks stay on the GPU; the streamed ones are spread evenly over the forward (every
     * n-th block), so each copy can overlap with a resident block's compute.
     */
    static List<BlockPlacement> placements(ComponentWeights w, int resident) {
        int n = w.blocks().size();
        int streamed = n - resident;
        List<BlockPlacement> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean s = streamed > 0 && ((long) (i + 1) * streamed / n) > ((long) i * streamed / n);
            ComponentWeights.Block b = w.blocks().get(i);
            out.add(new BlockPlacement(i, b.key(), b.bytes(), s ? Residency.STREAMED : Residency.RESIDENT));
        }
        return out;
    }

    private MemoryPlan tryKeep(PlanRequest r, long avail, Map<ComponentRole, Stage> ownStages, List<ComponentRole> keep) {
        Map<ComponentRole, Stage> stages = new EnumMap<>(ownStages);
        ComponentWeights v = components.get(ComponentRole.VAE);
        boolean vKept = v != null && keep.contains(ComponentRole.VAE);
        long kept = vKept ? v.totalBytes() : 0;
        for (ComponentRole role : keep) {
            Stage s = stages.get(role);
            if (s != null && s.placement != Placement.CPU) {
                kept += s.gpuBytes;
            }
        }
        // a text encoder not kept gets the room the kept components leave (it may stream, or run on the CPU)
        ComponentWeights te = components.get(ComponentRole.TEXT_ENCODER);
        if (te != null && !keep.contains(ComponentRole.TEXT_ENCODER)) {
            Stage own = fitOrStream(te, textEncoderActivationBytes(te, r) + SLACK_BYTES, avail - kept);
            stages.put(ComponentRole.TEXT_ENCODER, own != null ? own : Stage.cpu(te));
        }
        long peak = 0;
        for (Stage s : stages.values()) {
            long others = kept - (keep.contains(s.w.role()) && s.placement != Placement.CPU ? s.gpuBytes : 0);
            if (others + s.peak() > avail) {
                return null;
            }
            peak = Math.max(peak, others + s.peak());
        }
        VaeTiling tiling = new VaeTiling(false, 0, 0, 0);
        if (v != null) {
            long others = kept - (vKept ? v.totalBytes() : 0);
            long left = avail - others - v.totalBytes() - SLACK_BYTES;
            if (left < VaeTiling.decide(256, 256, r.computeBytes(), 0, true).peakBytes()) {
                return null;
            }
            tiling = VaeTiling.decide(r.width(), r.height(), r.computeBytes(), left, r.forceTiledVae());
            peak = Math.max(peak, others + v.totalBytes() + tiling.peakBytes() + SLACK_BYTES);
            stages.put(ComponentRole.VAE, new Stage(v, Placement.RESIDENT, v.totalBytes(),
                    tiling.peakBytes() + SLACK_BYTES, List.of(), 0));
        }
        List<ComponentPlan> plans = new ArrayList<>();
        long transferPerJob = 0;
        boolean allResident = true;
        for (Stage s : stages.values()) {
            Placement p = s.placement;
            if (p == Placement.RESIDENT && !keep.contains(s.w.role())) {
                p = Placement.STAGED;
            }
            if (p == Placement.STAGED || (p == Placement.STREAMED && !keep.contains(s.w.role()))) {
                transferPerJob += s.gpuBytes;
            }
            if (p == Placement.STREAMED && s.w.role() == ComponentRole.TEXT_ENCODER) {
                transferPerJob += s.streamedPerForward * r.cfgForwards();
            }
            allResident &= p == Placement.RESIDENT;
            plans.add(new ComponentPlan(s.w.role(), s.w.name(), p, s.w.totalBytes(), s.gpuBytes, s.activationBytes,
                    s.blocks, s.streamedPerForward));
        }
        plans.sort(java.util.Comparator.comparing(ComponentPlan::role));
        Stage ts = stages.get(ComponentRole.TRANSFORMER);
        // true CFG runs as one forward of batch cfgForwards (DenoiseLoop.CfgMode.BATCHED): blocks stream once per step
        long perStep = ts == null ? 0 : ts.streamedPerForward;
        Mode mode = ts != null && ts.placement == Placement.STREAMED ? Mode.STREAMING
                : allResident ? Mode.FITS : Mode.STAGED;
        MemoryPlan.Estimate est = estimate(r, stages, transferPerJob);
        return new MemoryPlan(r.budgetBytes(), CONTEXT_BYTES, mode, plans, tiling, peak + CONTEXT_BYTES, 0, perStep,
                transferPerJob, est, r);
    }

    private MemoryPlan tooSmall(PlanRequest r, long minimum) {
        return new MemoryPlan(r.budgetBytes(), CONTEXT_BYTES, Mode.TOO_SMALL, List.of(), new VaeTiling(true, 256, 64, 0),
                0, minimum, 0, 0, new MemoryPlan.Estimate(0, 0, 0, 0, 0), r);
    }

    private MemoryPlan.Estimate estimate(PlanRequest r, Map<ComponentRole, Stage> stages, long transferPerJob) {
        double h2d = profile.hostToDeviceBytesPerSec();
        double perStep = 0;
        Stage ts = stages.get(ComponentRole.TRANSFORMER);
        if (ts != null) {
            boolean fp8 = fp8Weights(ts.w);
            // one forward of batch cfgForwards per step: compute scales with the batch, the streamed blocks do not
            double compute = transformerFlops(ts.w, r) * r.cfgForwards() / profile.effectiveFlops(fp8);
            double copy = ts.streamedPerForward / h2d;
            perStep = r.overlapCopies()
                    ? Math.max(compute, copy) + OVERLAP_RESIDUAL * Math.min(compute, copy) : compute + copy;
        }
        double te = 0;
        Stage tes = stages.get(ComponentRole.TEXT_ENCODER);
        if (tes != null) {
            long tokens = r.textTokens() + (long) VISION_TOKENS_PER_IMAGE * Math.max(1, r.referenceImages());
            double flops = 2.0 * (tes.w.totalBytes() / 2.0) * tokens * r.cfgForwards();
            te = flops / (tes.placement == Placement.CPU ? DeviceProfile.CPU_TFLOPS * 1e12 : profile.effectiveFlops(false));
        }
        double vae = stages.containsKey(ComponentRole.VAE)
                ? VAE_FLOPS_PER_PIXEL * r.pixels() * (1 + r.referenceImages()) / profile.effectiveFlops(false) : 0;
        double transfers = transferPerJob / h2d;
        return new MemoryPlan.Estimate(te, vae, perStep, transfers, te + vae + transfers + perStep * r.steps());
    }

    /** fp8 weights when most stored bytes are fp8. */
    static boolean fp8Weights(ComponentWeights w) {
        long f8 = w.storedBytesByDtype().entrySet().stream().filter(e -> e.getKey().toUpperCase().startsWith("F8"))
                .mapToLong(Map.Entry::getValue).sum();
        return f8 * 2 > w.storedBytes();
    }

    /**
     * Peak activation bytes inside one transformer forward: {@link #HIDDEN_TENSORS_PER_TOKEN} hidden-wide tensors
     * per token of the joint sequence, {@link #MLP_TENSORS_PER_TOKEN} MLP-wide ones per image token, and with eager
     * attention the heads x L x L scores and probabilities (two of them); times the batch, which is
     * {@link PlanRequest#cfgForwards()} (the pipelines run the CFG pair as one forward of batch 2).
     */
    public static long transformerActivationBytes(ComponentWeights t, PlanRequest r) {
        long hidden = t.hidden() > 0 ? t.hidden() : 3072;
        long mlp = t.mlpHidden() > 0 ? t.mlpHidden() : 4 * hidden;
        long l = r.imageTokens() + r.textTokens();
        long b = r.computeBytes();
        long act = l * hidden * b * HIDDEN_TENSORS_PER_TOKEN + r.imageTokens() * mlp * b * MLP_TENSORS_PER_TOKEN;
        if (!r.fusedAttention()) {
            long heads = Math.max(1, hidden / 128);
            act += 2 * heads * l * l * b;
        }
        return act * r.cfgForwards(); // the CFG pair runs as one batch
    }

    /** Text encoder activations: prompt + vision tokens through one layer (generous: 16 hidden + 3 MLP tensors). */
    static long textEncoderActivationBytes(ComponentWeights te, PlanRequest r) {
        long hidden = te.hidden() > 0 ? te.hidden() : 3584;
        long mlp = te.mlpHidden() > 0 ? te.mlpHidden() : 4 * hidden;
        long tokens = r.textTokens() + 64 + (long) VISION_TOKENS_PER_IMAGE * Math.max(1, r.referenceImages()) * 4;
        return tokens * (16 * hidden + 3 * mlp) * r.computeBytes();
    }

    /**
     * FLOP of one transformer forward: every token through its stream's attention projections (4 h²) and MLP
     * (2 h m), two multiply-adds each, plus attention 4 L² h per block. The modulation linears act on one
     * timestep vector and are ignored.
     */
    public static double transformerFlops(ComponentWeights t, PlanRequest r) {
        double l = r.imageTokens() + r.textTokens();
        int blocks = t.blocks().size();
        if (t.hidden() <= 0 || t.mlpHidden() <= 0) {
            return 2.0 * (t.blockBytes() / 2.0) * l;
        }
        double h = t.hidden();
        double perTokenBlock = 2.0 * (4 * h * h + 2 * h * t.mlpHidden());
        return blocks * (perTokenBlock * l + 4.0 * l * l * h);
    }

    public DeviceProfile profile() {
        return profile;
    }

    public ComponentWeights weights(ComponentRole role) {
        return components.get(role);
    }
}
