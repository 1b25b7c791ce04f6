package dev.atelier.inference.sched;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

// Ported from diffusers src/diffusers/schedulers/scheduling_flow_match_euler_discrete.py @58eb52c0803ea9af3abec60841c2a093bdf1f951
// (sigma construction and calculate_shift from src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py, get_timesteps
// from pipeline_qwenimage_edit_inpaint.py at the same commit)
/**
 * Flow-matching Euler sampler, as diffusers' {@code FlowMatchEulerDiscreteScheduler} with the settings the Qwen-Image
 * pipelines use. Arithmetic follows the reference's dtypes: when the pipeline passes explicit sigmas they are cast to
 * float32 first and every shift/stretch operation runs in float32 (numpy with weak Python scalars); the
 * {@code num_inference_steps}-only path runs in float64 and casts at the end, as numpy does there.
 *
 * <p>Use: {@code setTimesteps(pipelineSigmas(n), mu)}, then for each timestep {@code step(modelOutput, latents)}.
 * For img2img/inpaint call {@link #getTimesteps(double)} after {@code setTimesteps} and noise the image latents with
 * {@link #scaleNoise}. Not thread-safe: one scheduler per run.
 */
public final class FlowMatchEulerScheduler {
    private final SchedulerConfig config;
    private float[] sigmas;      // numInferenceSteps + 1 entries (terminal 0, or 1 when inverted)
    private float[] timesteps;   // numInferenceSteps entries
    private int stepIndex = -1;  // -1: not started
    private int beginIndex = -1; // -1: not set

    public FlowMatchEulerScheduler(SchedulerConfig config) {
        this.config = config;
    }

    /**
     * The schedule of one pipeline run, as the Qwen-Image pipelines build it: the model's scheduler config (with the
     * request's fixed shift applied, see {@link SchedulerConfig#forShift}), sigmas {@code linspace(1, 1/steps, steps)},
     * mu from the packed image token count ({@code (h/16) * (w/16)} for an h x w image).
     */
    public static FlowMatchEulerScheduler forRun(SchedulerConfig modelConfig, Double fixedShift, int steps, long imageSeqLen) {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(modelConfig.forShift(fixedShift));
        s.setTimesteps(pipelineSigmas(steps), s.mu(imageSeqLen));
        return s;
    }

    public SchedulerConfig config() {
        return config;
    }

    /** The pipelines' default schedule: {@code np.linspace(1.0, 1/steps, steps)} in float64. */
    public static double[] pipelineSigmas(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        return linspace(1.0, 1.0 / steps, steps);
    }

    /** numpy {@code linspace(start, stop, num)} with endpoint: {@code i * step + start}, last element exactly {@code stop}. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        int div = num - 1;
        double delta = stop - start;
        for (int i = 0; i < num; i++) {
            y[i] = div > 0 ? i * (delta / div) + start : i * delta + start;
        }
        if (num > 1) {
            y[num - 1] = stop;
        }
        return y;
    }

    /** The pipelines' {@code calculate_shift} with this config's sequence lengths and shifts. */
    public double mu(long imageSeqLen) {
        return config.calculateShift(imageSeqLen);
    }

    /**
     * {@code set_timesteps(sigmas=..., mu=...)}: the pipelines' call. {@code mu} is required with dynamic shifting and
     * ignored otherwise ({@code NaN} allowed then).
     */
    public void setTimesteps(double[] sigmasIn, double mu) {
        if (sigmasIn.length < 1) {
            throw new IllegalArgumentException("at least one sigma is needed");
        }
        requireMu(mu);
        double[] s = new double[sigmasIn.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) sigmasIn[i]; // np.array(sigmas).astype(np.float32)
        }
        finish(shiftAndStretch(s, mu, true));
    }

    /** {@code set_timesteps(num_inference_steps, mu=...)} without explicit sigmas (float64 arithmetic until the end). */
    public void setTimesteps(int numInferenceSteps, double mu) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
        requireMu(mu);
        int n = config.numTrainTimesteps();
        // __init__: sigmas = linspace(1, N, N)[::-1] / N in float32, statically shifted unless dynamic
        float sigmaMax = initSigma(n);
        float sigmaMin = initSigma(1);
        double[] t = linspace((double) sigmaMax * n, (double) sigmaMin * n, numInferenceSteps);
        double[] s = new double[t.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = t[i] / n;
        }
        finish(shiftAndStretch(s, mu, false));
    }

    private float initSigma(int timestep) {
        float s = (float) timestep / config.numTrainTimesteps();
        if (!config.useDynamicShifting()) {
            float shift = (float) config.shift();
            s = shift * s / (1f + (shift - 1f) * s);
        }
        return s;
    }

    private void requireMu(double mu) {
        if (config.useDynamicShifting() && Double.isNaN(mu)) {
            throw new IllegalArgumentException("mu must be given when use_dynamic_shifting is true");
        }
    }

    /** Time shift then terminal stretch; {@code f32} rounds after every operation as numpy float32 arrays do. */
    private double[] shiftAndStretch(double[] s, double mu, boolean f32) {
        double[] out = new double[s.length];
        if (config.useDynamicShifting()) {
            boolean exp = config.timeShiftType() == SchedulerConfig.TimeShiftType.EXPONENTIAL;
            double a = r(exp ? Math.exp(mu) : mu, f32);
            for (int i = 0; i < s.length; i++) {
                // exponential: e^mu / (e^mu + (1/t - 1)^1); linear: mu / (mu + (1/t - 1)^1)
                double x = r(r(1.0 / s[i], f32) - 1.0, f32);
                out[i] = r(a / r(a + x, f32), f32);
            }
        } else {
            double shift = r(config.shift(), f32);
            double shiftMinus1 = r(config.shift() - 1.0, f32);
            for (int i = 0; i < s.length; i++) {
                out[i] = r(r(shift * s[i], f32) / r(1.0 + r(shiftMinus1 * s[i], f32), f32), f32);
            }
        }
        if (config.hasShiftTerminal()) {
            double[] oneMinusZ = new double[out.length];
            for (int i = 0; i < out.length; i++) {
                oneMinusZ[i] = r(1.0 - out[i], f32);
            }
            double scale = r(oneMinusZ[out.length - 1] / r(1.0 - config.shiftTerminal(), f32), f32);
            for (int i = 0; i < out.length; i++) {
                out[i] = r(1.0 - r(oneMinusZ[i] / scale, f32), f32);
            }
        }
        return out;
    }

    private static double r(double x, boolean f32) {
        return f32 ? (float) x : x;
    }

    private void finish(double[] shifted) {
        int n = shifted.length;
        float[] sig = new float[n + 1];
        float[] ts = new float[n];
        float train = config.numTrainTimesteps();
        for (int i = 0; i < n; i++) {
            float s = (float) shifted[i]; // torch.from_numpy(sigmas).to(float32)
            if (config.invertSigmas()) {
                s = 1f - s;
            }
            sig[i] = s;
            ts[i] = s * train;
        }
        sig[n] = config.invertSigmas() ? 1f : 0f;
        this.sigmas = sig;
        this.timesteps = ts;
        this.stepIndex = -1;
        this.beginIndex = -1;
    }

    /** Sigmas including the appended terminal value (length = steps + 1). */
    public float[] sigmas() {
        requireSet();
        return sigmas.clone();
    }

    /** {@code sigmas * num_train_timesteps} (length = steps). */
    public float[] timesteps() {
        requireSet();
        return timesteps.clone();
    }

    public int numInferenceSteps() {
        requireSet();
        return timesteps.length;
    }

    /** The sigma index the next {@link #step} uses. */
    public int stepIndex() {
        return stepIndex >= 0 ? stepIndex : Math.max(beginIndex, 0);
    }

    public float sigma(int index) {
        requireSet();
        return sigmas[index];
    }

    /** {@code set_begin_index}: img2img/inpaint start inside the schedule. */
    public void setBeginIndex(int index) {
        requireSet();
        if (index < 0 || index >= timesteps.length) {
            throw new IllegalArgumentException("begin index " + index + " outside 0.." + (timesteps.length - 1));
        }
        beginIndex = index;
    }

    /**
     * The inpaint/img2img pipelines' {@code get_timesteps(num_inference_steps, strength)}: skips the first
     * {@code int(steps - min(steps * strength, steps))} timesteps and sets the begin index there.
     */
    public StrengthSchedule getTimesteps(double strength) {
        requireSet();
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int n = timesteps.length;
        double initTimestep = Math.min(n * strength, n);
        int tStart = (int) Math.max(n - initTimestep, 0);
        float[] ts = Arrays.copyOfRange(timesteps, tStart, n);
        if (tStart < n) {
            setBeginIndex(tStart);
        }
        return new StrengthSchedule(ts, n - tStart, tStart);
    }

    /** Result of {@link #getTimesteps(double)}: the timesteps left to run, their count and where they start. */
    public record StrengthSchedule(float[] timesteps, int numInferenceSteps, int startIndex) {}

    /**
     * {@code scale_noise}: {@code sigma * noise + (1 - sigma) * sample} with sigma at the current step index (after a
     * step: the next sigma, as the inpaint blend uses) or the begin index (before the first step, img2img).
     */
    public NDArray scaleNoise(NDArray sample, NDArray noise) {
        return scaleNoise(sample, noise, stepIndex());
    }

    public NDArray scaleNoise(NDArray sample, NDArray noise, int sigmaIndex) {
        requireSet();
        float sigma = sigmas[sigmaIndex];
        // 0-dim scalars on a CPU manager: torch treats them like Python numbers (no host-to-device copy, no
        // mixed-dtype kernel on a GPU, a bf16 sample stays bf16); on the CPU the arithmetic is unchanged.
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu());
                NDArray s = cpu.create(sigma); NDArray oneMinus = cpu.create(1f - sigma)) {
            NDArray a = noise.mul(s);
            NDArray b = sample.mul(oneMinus);
            NDArray out = a.addi(b);
            b.close();
            return out;
        }
    }

    /**
     * One Euler step: {@code prev = float32(sample) + (sigma_next - sigma) * modelOutput}, cast back to the sample's
     * dtype (diffusers casts to the model output's dtype, which is the latents' dtype in its pipelines; here a float32
     * sample stays float32 when the transformer computes in bf16); advances the step index. The caller owns the
     * returned array (attached to {@code sample}'s manager).
     */
    public NDArray step(NDArray modelOutput, NDArray sample) {
        int i = beginStep();
        float dt = sigmas[i + 1] - sigmas[i];
        NDArray s32 = sample.getDataType() == DataType.FLOAT32 ? sample : sample.toType(DataType.FLOAT32, false);
        NDArray prev;
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu()); NDArray dtScalar = cpu.create(dt)) {
            NDArray delta = modelOutput.mul(dtScalar);
            prev = s32.add(delta);
            delta.close();
        }
        if (s32 != sample) {
            s32.close();
        }
        if (prev.getDataType() != sample.getDataType()) {
            NDArray cast = prev.toType(sample.getDataType(), false);
            prev.close();
            prev = cast;
        }
        stepIndex = i + 1;
        return prev;
    }

    /** The same Euler step on plain float32 arrays (tests, previews). */
    public float[] step(float[] modelOutput, float[] sample) {
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("model output has " + modelOutput.length + " values, sample " + sample.length);
        }
        int i = beginStep();
        float dt = sigmas[i + 1] - sigmas[i];
        float[] prev = new float[sample.length];
        for (int k = 0; k < prev.length; k++) {
            prev[k] = sample[k] + dt * modelOutput[k];
        }
        stepIndex = i + 1;
        return prev;
    }

    private int beginStep() {
        requireSet();
        int i = stepIndex();
        if (i >= timesteps.length) {
            throw new IllegalStateException("all " + timesteps.length + " steps are done; call setTimesteps again");
        }
        return i;
    }

    private void requireSet() {
        if (sigmas == null) {
            throw new IllegalStateException("call setTimesteps first");
        }
    }
}
