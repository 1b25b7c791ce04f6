package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.api.EngineEvent.Stage;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.model.qwenvl.PromptTemplate;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.model.vae.VaeLatentDist;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import java.util.ArrayList;
import java.util.List;

// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_inpaint.py
// (QwenImageEditInpaintPipeline.__call__, prepare_latents, prepare_mask_latents, _encode_vae_image) and
// pipeline_qwenimage_inpaint.py (QwenImageInpaintPipeline) @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * Mask inpainting with the semantics of {@code QwenImageEditInpaintPipeline} ({@link Mode#EDIT}: the source image
 * also conditions the prompt and is appended as reference tokens) or {@code QwenImageInpaintPipeline}
 * ({@link Mode#TEXT_TO_IMAGE}: prompt only). In the order of diffusers' {@code __call__}:
 * <ol>
 * <li>working size: edit — {@code calculate_dimensions(1024², w/h)} of the image (the image is Lanczos-resized to it
 * and that resized image is also the prompt image); text-to-image — the requested size floored to 16;</li>
 * <li>{@link #encodePrompt} (and the negative prompt under true CFG);</li>
 * <li>timesteps, then {@code get_timesteps(strength)} (fewer than 1 step left is an error);</li>
 * <li>{@link #prepareLatents}: the source encoded with a posterior <em>sample</em> (noise draw 0),
 * normalised {@code (z - mean) * (1 / std)}; noise draw 1; latents = {@code scale_noise(image_latents, t0, noise)};</li>
 * <li>{@link MaskLatents}: binarised mask at the latent grid, packed;</li>
 * <li>the denoising loop, blending {@code (1 - mask) * scale_noise(image_latents, t_next, noise) + mask * latents}
 * after every step; 7. decode.</li>
 * </ol>
 * diffusers also VAE-encodes the masked image (a third draw); its latents are unused by the loop, so it is skipped.
 * Extension: in edit mode, extra reference images switch the prompt to the edit-plus template ("Picture N:", 384²
 * condition images) and append their latents after the source's.
 */
public final class InpaintPipeline {
    public enum Mode { EDIT, TEXT_TO_IMAGE }

    private final ModelBundle model;
    private final Mode mode;

    public InpaintPipeline(ModelBundle model, Mode mode) {
        this.model = model;
        this.mode = mode;
    }

    /**
     * @param references extra reference images (edit mode only), usually empty
     * @param width      text-to-image working size (ignored in edit mode)
     * @param stopAfter  run only this many steps and return the latents then (tests); 0 = all
     * @param workingArea edit mode: the pixel area of the working size ({@code calculate_dimensions(area, w/h)});
     *                   0 = the pipeline's 1024²
     */
    public record Inputs(RgbImage image, MaskImage mask, List<RgbImage> references, String prompt, String negative,
            double strength, int width, int height, PipelineSupport.Sampling sampling, NoiseSource noise,
            boolean decode, int stopAfter, long workingArea) {
        public Inputs {
            references = references == null ? List.of() : List.copyOf(references);
            if (!(strength > 0 && strength <= 1)) {
                throw new IllegalArgumentException("strength: " + strength + " must be in (0, 1]");
            }
        }
    }

    public PipelineSupport.Output run(Inputs in, NDManager run, PipelineSupport.Observer obs,
            DenoiseLoop.StepListener recorder) {
        // 1. Working size and the image at that size.
        int width;
        int height;
        RgbImage working;
        if (mode == Mode.EDIT) {
            Dimensions.Size calc = Dimensions.calculateDimensions(
                    in.workingArea() > 0 ? in.workingArea() : Dimensions.VAE_IMAGE_SIZE, in.image().aspect());
            width = calc.width() / 16 * 16;
            height = calc.height() / 16 * 16;
            working = resize(in.image(), calc.width(), calc.height());
        } else {
            width = in.width() / 16 * 16;
            height = in.height() / 16 * 16;
            working = resize(in.image(), width, height);
        }
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("working size " + width + "x" + height + " is below 16 pixels a side");
        }
        NDArray image = VaeImageProcessor.preprocess(working, width, height, run).expandDims(2);
        obs.tensor("vae_input", image);
        float[] maskCondition = MaskLatents.condition(in.mask(), width, height);
        if (MaskLatents.coverage(maskCondition) == 0) {
            throw new IllegalArgumentException("mask: no pixel is painted at or above half strength at the working size "
                    + width + "x" + height + "; paint the area to change more firmly");
        }
        // 3. Timesteps and strength (set up before the prompt here, so a strength that leaves no step fails fast).
        long seqLen = (long) (height / 16) * (width / 16);
        FlowMatchEulerScheduler scheduler = PipelineSupport.schedule(model.scheduler(), in.sampling(), seqLen);
        FlowMatchEulerScheduler.StrengthSchedule sched = scheduler.getTimesteps(in.strength());
        if (sched.numInferenceSteps() < 1) {
            throw new IllegalArgumentException("strength " + in.strength() + " with " + in.sampling().steps()
                    + " steps leaves no step to run; raise the strength or the steps");
        }
        boolean trueCfg = PipelineSupport.doTrueCfg(in.sampling(), in.negative());
        // 2. Prompt embeddings.
        if (!model.isLoaded("text_encoder")) {
            obs.stage(Stage.LOAD);
        }
        PromptEncoder te = model.promptEncoder();
        obs.stage(Stage.ENCODE_PROMPT);
        Conditioning cond = encodePrompt(te, in.prompt(), working, in.references(), run);
        Conditioning uncond = trueCfg ? encodePrompt(te, in.negative(), working, in.references(), run) : null;
        obs.tensor("prompt_embeds", cond.embeds());
        if (uncond != null) {
            obs.tensor("negative_prompt_embeds", uncond.embeds());
        }
        // 4. Latents.
        if (!model.isLoaded("vae")) {
            obs.stage(Stage.LOAD);
        }
        QwenImageVae vae = model.vae();
        obs.stage(Stage.ENCODE_IMAGES);
        Prepared p = prepareLatents(vae, image, scheduler, in.noise(), run);
        image.close();
        obs.tensor("image_latents", p.imageLatents());
        obs.tensor("initial_latents", p.latents());
        // 5. Mask.
        NDArray mask = MaskLatents.packed(maskCondition, width, height, run);
        // img_shapes and reference tokens.
        List<ImageShape> shapes = new ArrayList<>();
        shapes.add(PipelineSupport.tokens(width, height));
        NDArray refTokens = null;
        if (mode == Mode.EDIT) {
            shapes.add(PipelineSupport.tokens(width, height));
            refTokens = p.imageLatents();
            if (!in.references().isEmpty()) {
                List<Dimensions.Size> sizes = new ArrayList<>();
                List<NDArray> refs = EditPipeline.vaeImages(in.references(), sizes, run);
                NDArray extra = EditPipeline.encodeImages(vae, refs, run);
                refs.forEach(NDArray::close);
                sizes.forEach(s -> shapes.add(PipelineSupport.tokens(s.width(), s.height())));
                refTokens = NDArrays.concat(new NDList(refTokens, extra), 1);
            }
        }
        if (!model.isLoaded("transformer")) {
            obs.stage(Stage.LOAD);
        }
        var transformer = model.transformer();
        // 6. Denoising loop with the masked blend.
        float[] ts = sched.timesteps();
        boolean complete = in.stopAfter() <= 0 || in.stopAfter() >= ts.length;
        DenoiseLoop.Spec spec = new DenoiseLoop.Spec(transformer::forward, scheduler, ts, refTokens, shapes, cond,
                uncond, in.sampling().cfg(), in.sampling().cfgMode(),
                new DenoiseLoop.InpaintBlend(mask, p.imageLatents(), p.noise()), in.stopAfter());
        obs.stage(Stage.DENOISE);
        ImageShape target = shapes.get(0);
        NDArray out = DenoiseLoop.run(spec, p.latents(), run, step -> {
            if (recorder != null) {
                recorder.onStep(step);
            }
            obs.step(step, target.height(), target.width());
        });
        // 7. Decode.
        if (!in.decode() || !complete) {
            return new PipelineSupport.Output(out, null, width, height);
        }
        return new PipelineSupport.Output(out, PipelineSupport.decode(model, obs, out, width, height), width, height);
    }

    private static RgbImage resize(RgbImage img, int width, int height) {
        if (img.width() == width && img.height() == height) {
            return img;
        }
        return VaeImageProcessor.resize(img, width, height);
    }

    /** The prompt with this mode's template: edit-inpaint (the working image), edit-plus with references, or T2I. */
    Conditioning encodePrompt(PromptEncoder te, String prompt, RgbImage working, List<RgbImage> references, NDManager m) {
        if (mode == Mode.TEXT_TO_IMAGE) {
            return TextToImagePipeline.encodePrompt(te, prompt, m);
        }
        if (references.isEmpty()) {
            return te.encode(PromptTemplate.EDIT_INPAINT, prompt, List.of(RgbBytes.of(working)), m);
        }
        List<RgbImage> all = new ArrayList<>();
        all.add(working);
        all.addAll(references);
        return EditPipeline.encodePrompt(te, prompt, EditPipeline.conditionImages(all), m);
    }

    /** Packed latents, noise and clean source latents of a run. */
    record Prepared(NDArray latents, NDArray noise, NDArray imageLatents) {}

    /** {@code prepare_latents}: posterior sample of the source (draw 0), noise (draw 1), {@code scale_noise} at t0. */
    static Prepared prepareLatents(QwenImageVae vae, NDArray image, FlowMatchEulerScheduler scheduler, NoiseSource noise,
            NDManager m) {
        NDArray imageLatents;
        try (VaeLatentDist d = vae.encodeDistribution(image)) {
            Shape s = d.mean().getShape();
            NDArray eps0 = noise.next("vae sample", s, m);
            try (NDArray eps = eps0; NDArray scaled = d.std().mul(eps);
                    NDArray z = d.mean().add(scaled); NDArray n = vae.normalizeInpaint(z)) {
                imageLatents = n.reshape(s.get(0), s.get(1), s.get(3), s.get(4));
            }
        }
        Shape ls = imageLatents.getShape();
        NDArray eps = noise.next("noise", new Shape(ls.get(0), 1, ls.get(1), ls.get(2), ls.get(3)), m);
        NDArray noise4 = eps.reshape(ls);
        NDArray latents4 = scheduler.scaleNoise(imageLatents, noise4);
        // Nothing closed here: the packed arrays may be views (tiny grids) and eps is made from Java memory; m owns all.
        return new Prepared(Latents.pack(latents4), Latents.pack(noise4), Latents.pack(imageLatents));
    }
}
