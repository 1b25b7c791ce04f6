package dev.atelier.inference.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import java.util.List;
import java.util.Objects;

// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_plus.py, pipeline_qwenimage.py,
// pipeline_qwenimage_edit_inpaint.py and pipeline_qwenimage_inpaint.py (the "Denoising loop" of __call__)
// @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * The denoising loop shared by every Qwen-Image pipeline: for each timestep, the transformer on the latents (with the
 * reference-image latents appended after the target tokens), the prediction cut to the target tokens, true CFG with
 * the norm rescale, the Euler step and — for inpainting — the blend of the re-noised source latents outside the mask.
 *
 * <p>True CFG runs cond and uncond either as one forward of batch 2 ({@link CfgMode#BATCHED}, the shorter prompt
 * zero-padded and masked) or as two forwards ({@link CfgMode#SEQUENTIAL}, what diffusers does); both match the
 * reference within the latent tolerance. A batched forward that runs out of memory falls back to sequential for that
 * step and the rest of the run.
 *
 * <p>Native memory: each step runs in its own sub-manager of {@code run} and an {@link NDScope}; only the new
 * latents survive a step (attached to {@code run}). The listener is called inside the step (its arrays are valid only
 * during the call) and may throw to cancel; the loop then leaves nothing behind but what {@code run} already owned.
 */
public final class DenoiseLoop {
    /** How cond and uncond predictions are computed under true CFG. */
    public enum CfgMode { BATCHED, SEQUENTIAL }

    /** The transformer forward: {@code (hidden [B,N,C], text [B,L,D], text mask [B,L] or null, t/1000 [B], shapes)}. */
    @FunctionalInterface
    public interface Denoiser {
        NDArray forward(NDArray hidden, NDArray text, NDArray textMask, NDArray timestep, List<List<ImageShape>> shapes);
    }

    /** Inpaint blending: packed mask (1 = repaint), packed clean source latents, the packed noise they are re-noised with. */
    public record InpaintBlend(NDArray mask, NDArray imageLatents, NDArray noise) {}

    /**
     * What one step produced. Arrays are valid during the listener call only.
     *
     * @param index      0-based step
     * @param total      steps in this run
     * @param timestep   the scheduler timestep (0..1000)
     * @param sigma      the sigma the step started from
     * @param sigmaNext  the sigma the step went to ({@code x0 = latents - sigmaNext * noisePred})
     * @param latents    latents after the step (and the inpaint blend)
     * @param noisePred  the guided velocity used by the step
     * @param condPred   the cond prediction (target tokens)
     * @param uncondPred the uncond prediction or null without true CFG
     */
    public record Step(int index, int total, float timestep, float sigma, float sigmaNext, NDArray latents, NDArray noisePred,
            NDArray condPred, NDArray uncondPred) {}

    @FunctionalInterface
    public interface StepListener {
        void onStep(Step step);
    }

    /**
     * @param denoiser     the transformer
     * @param scheduler    set up for this run (timesteps set, begin index for strength)
     * @param timesteps    the timesteps to run (all of them, or get_timesteps' tail for strength)
     * @param imageLatents reference-image tokens appended after the target tokens, or null
     * @param imgShapes    the (frames, h/2, w/2) grids of one sample: target first, then each reference image
     * @param cond         the prompt
     * @param uncond       the negative prompt, or null for no true CFG
     * @param cfgScale     true_cfg_scale (used only with {@code uncond})
     * @param blend        inpaint blending, or null
     * @param maxSteps     stop after this many steps (tests); 0 = all
     */
    public record Spec(Denoiser denoiser, FlowMatchEulerScheduler scheduler, float[] timesteps, NDArray imageLatents,
            List<ImageShape> imgShapes, Conditioning cond, Conditioning uncond, double cfgScale, CfgMode cfgMode,
            InpaintBlend blend, int maxSteps) {
        public Spec {
            Objects.requireNonNull(denoiser, "denoiser");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(cond, "cond");
            imgShapes = List.copyOf(imgShapes);
            cfgMode = cfgMode == null ? CfgMode.BATCHED : cfgMode;
        }

        public boolean trueCfg() {
            return uncond != null;
        }
    }

    private DenoiseLoop() {}

    /**
     * Runs every timestep from {@code latents} ({@code [1, N, 64]}, not closed); returns the final latents in
     * {@code run}.
     */
    public static NDArray run(Spec spec, NDArray latents, NDManager run, StepListener listener) {
        float[] ts = spec.timesteps();
        long n = latents.getShape().get(1);
        Conditioning batched = spec.trueCfg() && spec.cfgMode() == CfgMode.BATCHED
                ? Conditioning.batch(spec.cond(), spec.uncond()) : null;
        // Scalars once per run on a CPU manager (see the device README): torch treats 0-dim CPU tensors like Python
        // numbers, so a GPU step makes no host-to-device copy and a bf16 prediction stays bf16.
        NDManager cpu = NDManager.newBaseManager(Device.cpu());
        NDArray scale = cpu.create((float) spec.cfgScale());
        NDArray thousand = cpu.create(1000f);
        NDArray keepMask = null;
        if (spec.blend() != null) {
            try (NDArray neg = spec.blend().mask().neg()) {
                keepMask = neg.add(cpu.create(1f)); // 1 - mask, the same every step
            }
        }
        NDArray current = latents;
        int steps = spec.maxSteps() > 0 ? Math.min(spec.maxSteps(), ts.length) : ts.length;
        try {
            for (int i = 0; i < steps; i++) {
                NDArray next;
                try (NDManager step = run.newSubManager(); NDScope scope = new NDScope()) {
                    current.tempAttach(step);
                    float sigma = spec.scheduler().sigma(spec.scheduler().stepIndex());
                    NDArray hidden = spec.imageLatents() == null ? current
                            : current.concat(spec.imageLatents(), 1);
                    NDArray condPred;
                    NDArray uncondPred = null;
                    NDArray pred = null;
                    if (batched != null) {
                        try {
                            pred = forward(spec, NDArrays.concat(new NDList(hidden, hidden), 0), batched, ts[i], 2, n,
                                    thousand);
                        } catch (RuntimeException e) {
                            if (!isOutOfMemory(e)) {
                                throw e;
                            }
                            // Batch 2 does not fit: this and every later step run cond and uncond one after the other.
                            closeBatched(spec, batched);
                            batched = null;
                        }
                    }
                    if (pred != null) {
                        condPred = pred.get(new NDIndex("0:1"));
                        uncondPred = pred.get(new NDIndex("1:2"));
                    } else {
                        condPred = forward(spec, hidden, spec.cond(), ts[i], 1, n, thousand);
                        if (spec.trueCfg()) {
                            uncondPred = forward(spec, hidden, spec.uncond(), ts[i], 1, n, thousand);
                        }
                    }
                    NDArray noisePred = uncondPred == null ? condPred : TrueCfg.combine(condPred, uncondPred, scale);
                    next = spec.scheduler().step(noisePred, current);
                    if (spec.blend() != null) {
                        next = blend(spec, keepMask, next, i < ts.length - 1);
                    }
                    if (listener != null) {
                        float sigmaNext = spec.scheduler().sigma(spec.scheduler().stepIndex());
                        listener.onStep(new Step(i, steps, ts[i], sigma, sigmaNext, next, noisePred, condPred, uncondPred));
                    }
                    NDScope.unregister(next);
                    next.attach(run);
                }
                if (current != latents) {
                    current.close();
                }
                current = next;
            }
            return current;
        } catch (RuntimeException | Error e) {
            if (current != latents) {
                current.close();
            }
            throw e;
        } finally {
            if (keepMask != null) {
                keepMask.close();
            }
            cpu.close();
            closeBatched(spec, batched);
        }
    }

    private static void closeBatched(Spec spec, Conditioning batched) {
        if (batched == null) {
            return;
        }
        if (batched.embeds() != spec.cond().embeds()) {
            batched.embeds().close();
        }
        if (batched.mask() != null) {
            batched.mask().close();
        }
    }

    /** libtorch's "out of memory" (CUDA or CPU allocator) or the JVM's. */
    static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("out of memory")) {
                return true;
            }
        }
        return false;
    }

    /** One transformer call of batch {@code b}, the prediction cut to the first {@code n} (target) tokens. */
    private static NDArray forward(Spec spec, NDArray hidden, Conditioning c, float t, int b, long n, NDArray thousand) {
        float[] tv = new float[b];
        java.util.Arrays.fill(tv, t);
        NDArray timestep = hidden.getManager().create(tv).div(thousand);
        List<List<ImageShape>> shapes = java.util.Collections.nCopies(b, spec.imgShapes());
        NDArray out = spec.denoiser().forward(hidden, c.embeds(), c.mask(), timestep, shapes);
        return out.getShape().get(1) == n ? out : out.get(new NDIndex(":, :{}", n));
    }

    /**
     * {@code latents = (1 - mask) * init_latents_proper + mask * latents}, where the clean source latents are
     * re-noised to the next timestep ({@code scale_noise} at the scheduler's new step index) except after the last.
     */
    private static NDArray blend(Spec spec, NDArray keepMask, NDArray latents, boolean renoise) {
        InpaintBlend b = spec.blend();
        NDArray proper = renoise ? spec.scheduler().scaleNoise(b.imageLatents(), b.noise()) : b.imageLatents();
        NDArray keep = keepMask.mul(proper);
        return keep.add(b.mask().mul(latents));
    }
}
