package dev.atelier.inference.engine;

import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.Resample;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.pipeline.DenoiseLoop;
import dev.atelier.inference.pipeline.LatentPreview;
import dev.atelier.inference.pipeline.PipelineSupport;

/** Glue between the engine's jobs and the pipelines: progress, previews, memory, image crops and resizes. */
final class RunSupport {
    static final String ENGINE_VERSION = "atelier-0.1.0";

    private RunSupport() {}

    /** The pipeline observer of a job: stages and steps (with a latent preview) become engine events. */
    static PipelineSupport.Observer observer(JobContext ctx) {
        return new PipelineSupport.Observer() {
            private String last;

            @Override
            public void stage(String name) {
                if (name.equals(last)) {
                    ctx.checkCancelled();
                    return;
                }
                last = name;
                ctx.stage(name);
            }

            @Override
            public void step(DenoiseLoop.Step s, int tokensH, int tokensW) {
                ctx.step(s.index() + 1, s.total(), preview(s, tokensH, tokensW));
            }
        };
    }

    /** The x0 estimate {@code latents - sigma_next * v} through the fixed latent-to-RGB map (no VAE). */
    static RgbImage preview(DenoiseLoop.Step s, int tokensH, int tokensW) {
        try {
            float[] lat = hostFloats(s.latents());
            float[] v = hostFloats(s.noisePred());
            return LatentPreview.fromPacked(LatentPreview.x0(lat, v, s.sigmaNext()), tokensH, tokensW);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Values of a float32 or bf16/fp16 array on any device (a float32 copy is made inside the step's scope). */
    static float[] hostFloats(ai.djl.ndarray.NDArray a) {
        return a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? a.toFloatArray()
                : a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    /** The pipelines' sampling settings of a request; CFG batched (cond + uncond in one forward). */
    static PipelineSupport.Sampling sampling(GenerationSettings s) {
        return new PipelineSupport.Sampling(s.steps(), s.cfg(), s.shift(), DenoiseLoop.CfgMode.BATCHED);
    }

    /** The negative prompt of a run: null without true CFG; " " (diffusers' usual empty negative) when none given. */
    static String negative(GenerationSettings s, String negative) {
        if (!s.trueCfg()) {
            return null;
        }
        return negative == null || negative.isEmpty() ? " " : negative;
    }

    static EngineError badInput(String message, String suggestion) {
        return new EngineError(FailureKind.BAD_INPUT, message, suggestion);
    }

    // ---- pixels ----------------------------------------------------------------------------------------------------

    static RgbImage resize(RgbImage img, int width, int height) {
        if (img.width() == width && img.height() == height) {
            return img;
        }
        byte[] rgb = Resample.lanczos(img.toRgbBytes(), img.width(), img.height(), 3, width, height);
        return RgbImage.fromRgbBytes(width, height, rgb);
    }

    static MaskImage resize(MaskImage m, int width, int height) {
        return VaeImageProcessor.resize(m, width, height);
    }

    static RgbImage crop(RgbImage img, int x, int y, int w, int h) {
        int[] out = new int[w * h];
        for (int r = 0; r < h; r++) {
            System.arraycopy(img.argb(), (y + r) * img.width() + x, out, r * w, w);
        }
        return new RgbImage(w, h, out);
    }

    static MaskImage crop(MaskImage m, int x, int y, int w, int h) {
        byte[] out = new byte[w * h];
        for (int r = 0; r < h; r++) {
            System.arraycopy(m.values(), (y + r) * m.width() + x, out, r * w, w);
        }
        return new MaskImage(w, h, out);
    }

    /** {@code full} with {@code part} pasted at (x, y). */
    static RgbImage paste(RgbImage full, int[] part, int x, int y, int w, int h) {
        int[] out = full.argb().clone();
        for (int r = 0; r < h; r++) {
            System.arraycopy(part, r * w, out, (y + r) * full.width() + x, w);
        }
        return new RgbImage(full.width(), full.height(), out);
    }
}
