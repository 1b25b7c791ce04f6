package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EngineEvent.Stage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.model.qwenvl.ConditionImages;
import dev.atelier.inference.model.qwenvl.PromptTemplate;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import java.util.ArrayList;
import java.util.List;

// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_plus.py
// (QwenImageEditPlusPipeline.__call__, prepare_latents, _encode_vae_image) @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * Qwen-Image-Edit-2509/2511 ({@code QwenImageEditPlusPipeline}) for 1–3 input images, in the order of diffusers'
 * {@code __call__}:
 * <ol>
 * <li>output size: the request's, else {@code calculate_dimensions(1024², w/h)} of the last image, floored to 16;</li>
 * <li>{@link #conditionImages}: each image Lanczos-resized to about 384² pixels (the text encoder's view) and
 * {@link #vaeImages}: each to about 1024² pixels, [-1, 1] (the VAE's);</li>
 * <li>{@link #encodePrompt} with "Picture N:" prefixes (and the negative prompt under true CFG);</li>
 * <li>{@link #prepareLatents}: each VAE image encoded (posterior mode), normalised {@code (z - mean) / std},
 * packed and concatenated — the reference tokens appended after the target tokens — and the initial latents;</li>
 * <li>img_shapes: target grid first, then each reference grid; 5. timesteps (mu from the target tokens);</li>
 * <li>the denoising loop; 7. decode.</li>
 * </ol>
 */
public final class EditPipeline {
    public static final int MAX_IMAGES = 3;

    private final ModelBundle model;

    public EditPipeline(ModelBundle model) {
        this.model = model;
    }

    /**
     * @param images   the input images, 1..3 (the first is the photo being edited)
     * @param negative null: no true CFG
     * @param width    requested output width, or 0 for the pipeline's rule
     * @param latents  explicit initial packed latents (parity) or null
     */
    public record Inputs(List<RgbImage> images, String prompt, String negative, int width, int height,
            PipelineSupport.Sampling sampling, NDArray latents, NoiseSource noise, boolean decode) {
        public Inputs {
            images = List.copyOf(images);
            if (images.isEmpty() || images.size() > MAX_IMAGES) {
                throw new IllegalArgumentException("images: " + images.size() + " given, the edit model takes 1.."
                        + MAX_IMAGES);
            }
        }
    }

    public PipelineSupport.Output run(Inputs in, NDManager run, PipelineSupport.Observer obs,
            DenoiseLoop.StepListener recorder) {
        // 1. Output size.
        RgbImage last = in.images().get(in.images().size() - 1);
        Dimensions.Size calc = Dimensions.calculateDimensions(Dimensions.VAE_IMAGE_SIZE, last.aspect());
        int width = (in.width() > 0 ? in.width() : calc.width()) / 16 * 16;
        int height = (in.height() > 0 ? in.height() : calc.height()) / 16 * 16;
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("output size " + width + "x" + height + " is below 16 pixels a side");
        }
        // 2. Condition and VAE images.
        List<RgbBytes> condition = conditionImages(in.images());
        List<Dimensions.Size> vaeSizes = new ArrayList<>();
        List<NDArray> vaeImages = vaeImages(in.images(), vaeSizes, run);
        boolean trueCfg = PipelineSupport.doTrueCfg(in.sampling(), in.negative());
        // 3. Prompt embeddings.
        if (!model.isLoaded("text_encoder")) {
            obs.stage(Stage.LOAD);
        }
        PromptEncoder te = model.promptEncoder();
        obs.stage(Stage.ENCODE_PROMPT);
        Conditioning cond = encodePrompt(te, in.prompt(), condition, run);
        Conditioning uncond = trueCfg ? encodePrompt(te, in.negative(), condition, run) : null;
        obs.tensor("prompt_embeds", cond.embeds());
        if (uncond != null) {
            obs.tensor("negative_prompt_embeds", uncond.embeds());
        }
        // 4. Latents (reference-image latents + initial latents).
        if (!model.isLoaded("vae")) {
            obs.stage(Stage.LOAD);
        }
        QwenImageVae vae = model.vae();
        obs.stage(Stage.ENCODE_IMAGES);
        for (int i = 0; i < vaeImages.size(); i++) {
            obs.tensor("vae_input_" + i, vaeImages.get(i));
        }
        NDArray imageLatents = encodeImages(vae, vaeImages, run);
        obs.tensor("image_latents", imageLatents);
        vaeImages.forEach(NDArray::close);
        if (!model.isLoaded("transformer")) {
            obs.stage(Stage.LOAD);
        }
        var transformer = model.transformer();
        NDArray latents = prepareLatents(in.latents(), in.noise(), width, height, run);
        // img_shapes: target first, then each reference image.
        List<ImageShape> shapes = new ArrayList<>();
        shapes.add(PipelineSupport.tokens(width, height));
        vaeSizes.forEach(s -> shapes.add(PipelineSupport.tokens(s.width(), s.height())));
        // 5. Timesteps (mu from the target tokens only).
        FlowMatchEulerScheduler scheduler = PipelineSupport.schedule(model.scheduler(), in.sampling(),
                latents.getShape().get(1));
        // 6. Denoising loop.
        DenoiseLoop.Spec spec = new DenoiseLoop.Spec(transformer::forward, scheduler, scheduler.timesteps(),
                imageLatents, shapes, cond, uncond, in.sampling().cfg(), in.sampling().cfgMode(), null, 0);
        obs.stage(Stage.DENOISE);
        ImageShape target = shapes.get(0);
        NDArray out = DenoiseLoop.run(spec, latents, run, step -> {
            if (recorder != null) {
                recorder.onStep(step);
            }
            obs.step(step, target.height(), target.width());
        });
        // 7. Decode.
        if (!in.decode()) {
            return new PipelineSupport.Output(out, null, width, height);
        }
        return new PipelineSupport.Output(out, PipelineSupport.decode(model, obs, out, width, height), width, height);
    }

    /** Each image Lanczos-resized to {@code calculate_dimensions(384², w/h)}: what the text encoder sees. */
    static List<RgbBytes> conditionImages(List<RgbImage> images) {
        List<RgbBytes> out = new ArrayList<>();
        for (RgbImage img : images) {
            out.add(ConditionImages.conditionImage(RgbBytes.of(img)));
        }
        return out;
    }

    /**
     * Each image as {@code image_processor.preprocess(img, calculate_dimensions(1024², w/h))}: [1, 3, 1, H, W] in
     * [-1, 1]; the sizes go to {@code sizes}.
     */
    static List<NDArray> vaeImages(List<RgbImage> images, List<Dimensions.Size> sizes, NDManager m) {
        List<NDArray> out = new ArrayList<>();
        for (RgbImage img : images) {
            Dimensions.Size s = Dimensions.calculateDimensions(Dimensions.VAE_IMAGE_SIZE, img.aspect());
            if (s.width() < 16 || s.height() < 16) {
                throw new IllegalArgumentException("an image of " + img.width() + "x" + img.height()
                        + " is too elongated for the model (it would be " + s.width() + "x" + s.height()
                        + "); crop it closer to the subject");
            }
            sizes.add(s);
            // Not closed here: the [1, 3, 1, H, W] view shares its buffer (created from Java memory, which DJL keeps
            // alive only through this array); both go with m.
            NDArray x = VaeImageProcessor.preprocess(img, s.width(), s.height(), m);
            out.add(x.expandDims(2));
        }
        return out;
    }

    /** {@code encode_prompt(prompt, image=condition_images)} with the edit-plus template (drop 64). */
    static Conditioning encodePrompt(PromptEncoder te, String prompt,
            List<RgbBytes> condition, NDManager m) {
        return te.encode(PromptTemplate.EDIT_PLUS, prompt, condition, m);
    }

    /** {@code _encode_vae_image} (argmax) of every image, normalised and packed, concatenated along the tokens. */
    static NDArray encodeImages(QwenImageVae vae, List<NDArray> images, NDManager m) {
        NDList packed = new NDList();
        for (NDArray x : images) {
            try (NDArray z = vae.encode(x); NDArray n = vae.normalize(z)) {
                // float32 latents (a copy when the VAE runs in bf16; in float32 the packed array itself)
                packed.add(PipelineSupport.float32(Latents.pack(n)));
            }
        }
        NDArray all = packed.size() == 1 ? packed.get(0) : NDArrays.concat(packed, 1);
        if (packed.size() > 1) {
            packed.close();
        }
        return all;
    }

    /** The explicit latents, or noise {@code [1, 16, h, w]} from the noise source, packed. */
    static NDArray prepareLatents(NDArray given, NoiseSource noise, int width, int height, NDManager m) {
        if (given != null) {
            long expected = (long) (height / 16) * (width / 16);
            if (given.getShape().get(1) != expected) {
                throw new IllegalArgumentException("latents " + given.getShape() + " do not fit " + width + "x" + height);
            }
            return given;
        }
        return PipelineSupport.randomLatents(noise, width, height, m);
    }
}
