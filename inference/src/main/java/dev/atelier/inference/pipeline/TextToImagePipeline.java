package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EngineEvent.Stage;
import dev.atelier.inference.model.qwenvl.PromptTemplate;
import dev.atelier.inference.sched.FlowMatchEulerScheduler;
import java.util.List;

// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py (QwenImagePipeline.__call__)
// @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * Qwen-Image text to image ({@code QwenImagePipeline}), in the order of diffusers' {@code __call__}:
 * 1. sizes (multiples of 16), 3. {@link #encodePrompt} (and the negative prompt under true CFG),
 * 4. {@link #prepareLatents}, 5. timesteps, 6. the denoising loop ({@link DenoiseLoop}), 7. decode.
 */
public final class TextToImagePipeline {
    private final ModelBundle model;

    public TextToImagePipeline(ModelBundle model) {
        this.model = model;
    }

    /**
     * @param negative null: no true CFG (diffusers' negative_prompt=None); any string enables it when cfg > 1
     * @param latents  explicit initial packed latents [1, N, 64] (parity), or null to draw them from {@code noise}
     * @param decode   false to stop at the final latents
     */
    public record Inputs(String prompt, String negative, int width, int height, PipelineSupport.Sampling sampling,
            NDArray latents, NoiseSource noise, boolean decode) {}

    public PipelineSupport.Output run(Inputs in, NDManager run, PipelineSupport.Observer obs,
            DenoiseLoop.StepListener recorder) {
        // 1. Check inputs: the sides the transformer can take (vae_scale_factor * 2 = 16).
        int width = in.width() / 16 * 16;
        int height = in.height() / 16 * 16;
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("size " + in.width() + "x" + in.height() + " is below 16 pixels a side");
        }
        boolean trueCfg = PipelineSupport.doTrueCfg(in.sampling(), in.negative());
        // 3. Prompt embeddings.
        if (!model.isLoaded("text_encoder")) {
            obs.stage(Stage.LOAD);
        }
        PromptEncoder te = model.promptEncoder();
        obs.stage(Stage.ENCODE_PROMPT);
        Conditioning cond = encodePrompt(te, in.prompt(), run);
        Conditioning uncond = trueCfg ? encodePrompt(te, in.negative(), run) : null;
        obs.tensor("prompt_embeds", cond.embeds());
        if (uncond != null) {
            obs.tensor("negative_prompt_embeds", uncond.embeds());
        }
        // 4. Latents.
        if (!model.isLoaded("transformer")) {
            obs.stage(Stage.LOAD);
        }
        var transformer = model.transformer();
        NDArray latents = prepareLatents(in, width, height, run);
        // 5. Timesteps.
        long imageSeqLen = latents.getShape().get(1);
        FlowMatchEulerScheduler scheduler = PipelineSupport.schedule(model.scheduler(), in.sampling(), imageSeqLen);
        // 6. Denoising loop.
        var shape = PipelineSupport.tokens(width, height);
        DenoiseLoop.Spec spec = new DenoiseLoop.Spec(transformer::forward, scheduler, scheduler.timesteps(), null,
                List.of(shape), cond, uncond, in.sampling().cfg(), in.sampling().cfgMode(), null, 0);
        obs.stage(Stage.DENOISE);
        NDArray out = DenoiseLoop.run(spec, latents, run, step -> {
            if (recorder != null) {
                recorder.onStep(step);
            }
            obs.step(step, shape.height(), shape.width());
        });
        // 7. Decode.
        if (!in.decode()) {
            return new PipelineSupport.Output(out, null, width, height);
        }
        return new PipelineSupport.Output(out, PipelineSupport.decode(model, obs, out, width, height), width, height);
    }

    /** {@code encode_prompt}: the text-to-image template, drop 34, cut to 512 tokens. */
    static Conditioning encodePrompt(PromptEncoder te, String prompt, NDManager m) {
        return te.encode(PromptTemplate.T2I, prompt, List.of(), m);
    }

    /** {@code prepare_latents}: the given latents, or noise {@code [1, 16, h, w]} packed. */
    static NDArray prepareLatents(Inputs in, int width, int height, NDManager m) {
        if (in.latents() != null) {
            long expected = (long) (height / 16) * (width / 16);
            if (in.latents().getShape().get(1) != expected) {
                throw new IllegalArgumentException("latents " + in.latents().getShape() + " do not fit " + width + "x"
                        + height + " (" + expected + " tokens)");
            }
            return in.latents();
        }
        return PipelineSupport.randomLatents(in.noise(), width, height, m);
    }
}
