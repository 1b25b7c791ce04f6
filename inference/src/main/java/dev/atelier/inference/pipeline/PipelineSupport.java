package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import dev.atelier.inference.sched.SchedulerConfig;

/** Pieces every Qwen-Image pipeline shares: settings, observer, image conversions, decode. */
public final class PipelineSupport {
    /** Pixels per latent ({@code vae_scale_factor}). */
    public static final int VAE_SCALE = 8;
    /** Latent channels the transformer packs 2×2 ({@code in_channels / 4}). */
    public static final int LATENT_CHANNELS = 16;

    private PipelineSupport() {}

    /**
     * The sampling settings of one run.
     *
     * @param steps    num_inference_steps (1..)
     * @param cfg      true_cfg_scale; true CFG runs when it is above 1 and a negative prompt is given
     * @param shift    null: the model's dynamic schedule; a value: fixed shift (Lightning: 3)
     * @param cfgMode  batched or sequential cond/uncond
     */
    public record Sampling(int steps, double cfg, Double shift, DenoiseLoop.CfgMode cfgMode) {
        public Sampling {
            if (steps < 1) {
                throw new IllegalArgumentException("steps: " + steps + " must be at least 1");
            }
            if (!Double.isFinite(cfg)) {
                throw new IllegalArgumentException("cfg: " + cfg + " is not a number");
            }
        }
    }

    /** Progress of a run: the numbered stages of diffusers' __call__ and each denoising step. */
    public interface Observer {
        Observer NONE = new Observer() {};

        /** Called before a stage starts; may throw to cancel. */
        default void stage(String name) {}

        /** Called after each step (inside the step's memory scope); may throw to cancel. */
        default void step(DenoiseLoop.Step step, int tokensH, int tokensW) {}

        /**
         * Intermediate tensors for parity and debugging ({@code prompt_embeds}, {@code negative_prompt_embeds},
         * {@code image_latents}, {@code initial_latents}, ...); valid during the call only.
         */
        default void tensor(String name, NDArray value) {}
    }

    /**
     * A run's result.
     *
     * @param latents final packed latents [1, N, 64] (output_type='latent')
     * @param decoded VAE output [1, 3, H, W] in [-1, 1] (clamped), or null when the run stopped at the latents
     */
    public record Output(NDArray latents, NDArray decoded, int width, int height) {
        /** output_type='pt': {@code (x / 2 + 0.5).clamp(0, 1)}. */
        public NDArray pt() {
            return decoded.div(2f).add(0.5f).clip(0f, 1f);
        }

        /** output_type='pil' as an engine image. */
        public RgbImage image() {
            return VaeImageProcessor.postprocess(decoded);
        }
    }

    /** The scheduler of a run, as the pipelines set it: sigmas linspace(1, 1/steps), mu from the target tokens. */
    static FlowMatchEulerScheduler schedule(SchedulerConfig config, Sampling s, long imageSeqLen) {
        return FlowMatchEulerScheduler.forRun(config, s.shift(), s.steps(), imageSeqLen);
    }

    /** The target image's token grid: {@code (1, height / 16, width / 16)}. */
    static ImageShape tokens(int width, int height) {
        return new ImageShape(1, height / VAE_SCALE / 2, width / VAE_SCALE / 2);
    }

    /**
     * The decode of every pipeline: {@code _unpack_latents}, {@code latents / (1 / std) + mean}, {@code vae.decode}
     * (tiled as {@code tiling} says, or as the VAE's own memory budget decides when null), frame 0 → [1, 3, H, W],
     * brought to the CPU in float32 (previews, output) whatever device and dtype the VAE runs in.
     */
    static NDArray decode(QwenImageVae vae, NDArray packed, int width, int height,
            dev.atelier.inference.model.vae.VaeTiling tiling) {
        long h = Latents.latentSide(height, VAE_SCALE);
        long w = Latents.latentSide(width, VAE_SCALE);
        try (NDArray raw = Latents.unpack(packed, h, w); NDArray z = vae.denormalize(raw)) {
            NDArray px = tiling == null ? vae.decode(z) : vae.decode(z, tiling);
            NDArray out = px.squeeze(2);
            if (out != px) {
                px.close();
            }
            return toHostFloat(out);
        }
    }

    /** The decode stage of a pipeline: the VAE (re)loaded if a stage offload released it, the plan's tiling. */
    static NDArray decode(ModelBundle model, Observer obs, NDArray packed, int width, int height) {
        if (!model.isLoaded("vae")) {
            obs.stage(dev.atelier.inference.api.EngineEvent.Stage.LOAD);
        }
        QwenImageVae vae = model.vae();
        obs.stage(dev.atelier.inference.api.EngineEvent.Stage.DECODE);
        return decode(vae, packed, width, height, model.vaeTiling());
    }

    /** {@code a} on the CPU in float32 ({@code a} itself when it is already; otherwise {@code a} is closed). */
    public static NDArray toHostFloat(NDArray a) {
        if (a.getDevice().equals(ai.djl.Device.cpu()) && a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
            return a;
        }
        NDArray f = a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? a
                : a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        NDArray host = f.toDevice(ai.djl.Device.cpu(), false);
        if (f != a && f != host) {
            f.close();
        }
        if (host != a) {
            a.close();
        }
        return host;
    }

    /**
     * Latent-space arrays are float32 in every pipeline (the scheduler's precision; the transformer casts its input
     * to its own dtype): {@code a} itself when float32, else a float32 copy ({@code a} closed).
     */
    static NDArray float32(NDArray a) {
        if (a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
            return a;
        }
        NDArray f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        a.close();
        return f;
    }

    /** Standard normal latents {@code [1, 16, h, w]} from the noise source, packed to [1, N, 64]. */
    static NDArray randomLatents(NoiseSource noise, int width, int height, NDManager m) {
        long h = Latents.latentSide(height, VAE_SCALE);
        long w = Latents.latentSide(width, VAE_SCALE);
        // The draw is left to m: pack may return a view of it (1x1 token grids), and arrays made from Java memory
        // must outlive their views.
        NDArray n = noise.next("latents", new ai.djl.ndarray.types.Shape(1, LATENT_CHANNELS, h, w), m);
        return Latents.pack(n);
    }

    /** Whether true CFG runs: {@code true_cfg_scale > 1 and negative_prompt is not None}. */
    static boolean doTrueCfg(Sampling s, String negative) {
        return s.cfg() > 1 && negative != null;
    }
}
