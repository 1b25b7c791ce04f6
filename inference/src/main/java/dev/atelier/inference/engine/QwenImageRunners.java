package dev.atelier.inference.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.SizePolicy;
import dev.atelier.inference.pipeline.CropPlan;
import dev.atelier.inference.pipeline.Dimensions;
import dev.atelier.inference.pipeline.EditPipeline;
import dev.atelier.inference.pipeline.InpaintPipeline;
import dev.atelier.inference.pipeline.MaskComposite;
import dev.atelier.inference.pipeline.ModelBundle;
import dev.atelier.inference.pipeline.NoiseSource;
import dev.atelier.inference.pipeline.PipelineSupport;
import dev.atelier.inference.pipeline.TextToImagePipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real pipelines as {@link PipelineRunner}s: edit requests run {@link EditPipeline} (no mask) or the edit
 * {@link InpaintPipeline} (mask: crop around the mask for photos above the model's working area, decode, resize back,
 * composite the original outside the mask with a feathered edge so unmasked pixels stay bit-identical), generate
 * requests {@link TextToImagePipeline}. The last model folder stays loaded between jobs.
 *
 * <p>Native memory: loaded models live under the root manager; every job runs in a sub-manager closed when it ends
 * (done, failed or cancelled), and every denoising step in its own sub-manager, so a cancelled job returns native
 * memory to its level before the job.
 */
public final class QwenImageRunners implements AutoCloseable {
    /** Pixels the model works at (about 1024², the area of {@code calculate_dimensions(1024 * 1024, ...)}). */
    public static final long WORKING_AREA = (long) Dimensions.VAE_IMAGE_SIZE;

    private final NDManager root;
    private final long workingArea;
    private ModelBundle bundle;

    public QwenImageRunners(NDManager root) {
        this(root, WORKING_AREA);
    }

    /** @param workingArea pixels the model works at (tests use a smaller area than the models' 1024²) */
    public QwenImageRunners(NDManager root, long workingArea) {
        this.root = root;
        this.workingArea = workingArea;
    }

    /** A CPU engine (float32) with both pipelines; closing the engine releases the models. */
    public static LocalEngine localEngine() {
        return localEngine(new QwenImageRunners(NDManager.newBaseManager(Device.cpu())));
    }

    /** An engine running {@code r}'s pipelines; closing it closes {@code r} and its root manager. */
    public static LocalEngine localEngine(QwenImageRunners r) {
        NDManager root = r.root();
        return new LocalEngine(r::edit, r::generate, "atelier-engine", () -> {
            r.close();
            root.close();
        });
    }

    /** The root manager (tests compare its native arrays before and after a job). */
    public NDManager root() {
        return root;
    }

    private synchronized ModelBundle bundle(Path dir, ModelBundle.Kind kind, JobContext ctx, Request r) {
        if (bundle == null || !bundle.dir().equals(dir)) {
            if (bundle != null) {
                bundle.close();
                bundle = null;
            }
            bundle = ModelBundle.open(dir, root);
        }
        if (bundle.kind() != kind) {
            throw RunSupport.badInput("model: " + dir + " is a " + (bundle.kind() == ModelBundle.Kind.EDIT
                    ? "Qwen-Image-Edit model (it edits photos)" : "text-to-image model") + " (" + bundle.className() + ")",
                    kind == ModelBundle.Kind.EDIT ? "Choose a Qwen-Image-Edit model folder for editing."
                            : "Choose a Qwen-Image (text-to-image) model folder for generating.");
        }
        bundle.setWeightVariant(r.settings().weights());
        bundle.setLoras(r.settings().loras());
        return bundle;
    }

    public EngineEvent.Done generate(GenerateRequest r, JobContext ctx) {
        ModelBundle b = bundle(r.model(), ModelBundle.Kind.TEXT_TO_IMAGE, ctx, r);
        NoiseSource noise = NoiseSource.seeded(r.settings().seed());
        RgbImage image;
        try (NDManager run = root.newSubManager()) {
            var in = new TextToImagePipeline.Inputs(r.prompt(), RunSupport.negative(r.settings(), r.negative()), r.width(),
                    r.height(), RunSupport.sampling(r.settings()), null, noise, true);
            var out = new TextToImagePipeline(b).run(in, run, RunSupport.observer(ctx), null);
            image = out.image();
            ctx.memory(RunSupport.memory(b.loadedBytes()));
        }
        return ctx.done(image, params(r, image, b, noise));
    }

    public EngineEvent.Done edit(EditRequest r, JobContext ctx) {
        ModelBundle b = bundle(r.model(), ModelBundle.Kind.EDIT, ctx, r);
        NoiseSource noise = NoiseSource.seeded(r.settings().seed());
        RgbImage image = r.mask() == null ? editWhole(r, b, noise, ctx) : editMasked(r, b, noise, ctx);
        ctx.memory(RunSupport.memory(b.loadedBytes()));
        return ctx.done(image, params(r, image, b, noise));
    }

    /** No mask: the edit-plus pipeline at the model's working size, resized to the requested output size. */
    private RgbImage editWhole(EditRequest r, ModelBundle b, NoiseSource noise, JobContext ctx) {
        int[] out = r.outputSize();
        int w;
        int h;
        if (r.size().mode() == SizePolicy.Mode.MATCH_SOURCE) {
            Dimensions.Size s = Dimensions.calculateDimensions(workingArea, r.source().aspect());
            w = s.width();
            h = s.height();
        } else {
            w = out[0];
            h = out[1];
        }
        List<RgbImage> images = new ArrayList<>();
        images.add(r.source());
        images.addAll(r.references());
        RgbImage result;
        try (NDManager run = root.newSubManager()) {
            var in = new EditPipeline.Inputs(images, r.prompt(), RunSupport.negative(r.settings(), r.negative()), w, h,
                    RunSupport.sampling(r.settings()), null, noise, true);
            result = new EditPipeline(b).run(in, run, RunSupport.observer(ctx), null).image();
        }
        return RunSupport.resize(result, out[0], out[1]);
    }

    /**
     * With a mask: the mask is brought to the photo's size, a crop around it is edited at the working size (the
     * whole photo when it is no larger than that), resized back and composited over the original.
     */
    private RgbImage editMasked(EditRequest r, ModelBundle b, NoiseSource noise, JobContext ctx) {
        RgbImage src = r.source();
        MaskImage mask = r.mask();
        if (mask.width() != src.width() || mask.height() != src.height()) {
            ctx.stage("Note: the mask is " + mask.width() + "x" + mask.height() + ", the photo " + src.width() + "x"
                    + src.height() + "; the mask was resized to the photo");
            mask = RunSupport.resize(mask, src.width(), src.height());
            if (mask.isEmpty()) {
                throw RunSupport.badInput("mask: nothing is painted after resizing it to the photo",
                        "Paint the area to change on a mask of the photo's size.");
            }
        }
        CropPlan plan = CropPlan.around(mask.values(), src.width(), src.height(), workingArea);
        RgbImage part = RunSupport.crop(src, plan.x(), plan.y(), plan.width(), plan.height());
        MaskImage partMask = RunSupport.crop(mask, plan.x(), plan.y(), plan.width(), plan.height());
        RgbImage generated;
        try (NDManager run = root.newSubManager()) {
            var in = new InpaintPipeline.Inputs(part, partMask, r.references(), r.prompt(),
                    RunSupport.negative(r.settings(), r.negative()), r.strength(), 0, 0,
                    RunSupport.sampling(r.settings()), noise, true, 0, workingArea);
            generated = new InpaintPipeline(b, InpaintPipeline.Mode.EDIT).run(in, run, RunSupport.observer(ctx), null)
                    .image();
        }
        ctx.stage(EngineEvent.Stage.COMPOSITE);
        generated = RunSupport.resize(generated, plan.width(), plan.height());
        int feather = Math.max(2, Math.min(plan.width(), plan.height()) / 128);
        int[] merged = MaskComposite.composite(part.argb(), generated.argb(), partMask.values(), plan.width(),
                plan.height(), feather);
        RgbImage full = RunSupport.paste(src, merged, plan.x(), plan.y(), plan.width(), plan.height());
        int[] out = r.outputSize();
        return RunSupport.resize(full, out[0], out[1]);
    }

    private static GenerationParameters params(Request r, RgbImage image, ModelBundle b, NoiseSource noise) {
        return GenerationParameters.of(r, image.width(), image.height(), b.loadedFiles(), RunSupport.ENGINE_VERSION,
                noise.id());
    }

    @Override
    public synchronized void close() {
        if (bundle != null) {
            bundle.close();
            bundle = null;
        }
    }
}
