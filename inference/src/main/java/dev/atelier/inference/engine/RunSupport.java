package dev.atelier.inference.engine;

import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.MemorySnapshot;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.Resample;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.pipeline.DenoiseLoop;
import dev.atelier.inference.pipeline.LatentPreview;
import dev.atelier.inference.pipeline.PipelineSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
            float[] lat = s.latents().toFloatArray();
            float[] v = s.noisePred().toFloatArray();
            return LatentPreview.fromPacked(LatentPreview.x0(lat, v, s.sigmaNext()), tokensH, tokensW);
        } catch (RuntimeException e) {
            return null;
        }
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

    static MemorySnapshot memory(Map<String, Long> components) {
        return new MemorySnapshot(0, 0, residentBytes(), 0, components, true);
    }

    /** This process's resident set (Linux /proc/self/statm), or the JVM heap in use elsewhere. */
    static long residentBytes() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096L;
        } catch (IOException | RuntimeException e) {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }
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
