/**
 * The Qwen-Image pipelines, in the reading order of diffusers' {@code __call__}
 * (diffusers @58eb52c0803ea9af3abec60841c2a093bdf1f951):
 * <ul>
 * <li>{@link dev.atelier.inference.pipeline.TextToImagePipeline} — {@code QwenImagePipeline};</li>
 * <li>{@link dev.atelier.inference.pipeline.EditPipeline} — {@code QwenImageEditPlusPipeline} (1–3 images);</li>
 * <li>{@link dev.atelier.inference.pipeline.InpaintPipeline} — {@code QwenImageEditInpaintPipeline} and
 * {@code QwenImageInpaintPipeline};</li>
 * <li>{@link dev.atelier.inference.pipeline.DenoiseLoop} — the shared loop (true CFG batched or sequential, inpaint
 * blend, one sub-manager per step);</li>
 * <li>{@link dev.atelier.inference.pipeline.ModelBundle} — a diffusers model folder, components loaded lazily with
 * errors naming the missing folder or file; LoRAs merged into the transformer (attached when fp8 stays 8-bit);</li>
 * <li>{@link dev.atelier.inference.pipeline.ComfyModelSource} — the same components from a ComfyUI {@code models/}
 * folder's single files (transformer chosen by {@link dev.atelier.inference.api.WeightVariant}: bf16 / fp8 / GGUF;
 * keys through {@code io.KeyMapper}; configs inferred from the weights or bundled; an {@code atelier/} override
 * folder for non-released architectures); {@code ModelBundle.open} picks it for such a folder or file;</li>
 * <li>{@link dev.atelier.inference.pipeline.NoiseSource} — seeded, machine-independent draws (or recorded ones for
 * parity);</li>
 * <li>{@link dev.atelier.inference.pipeline.PipelineParityChecks} / {@link dev.atelier.inference.pipeline.InpaintParity}
 * — end-to-end parity with the fixtures' reference runs.</li>
 * </ul>
 * Engine wiring (edit/generate jobs, crop-around-mask, composite) is {@code engine.QwenImageRunners}.
 *
 * <p>Device and precision: a pipeline runs where its {@link dev.atelier.inference.pipeline.ModelBundle} and the run
 * manager live (the engine puts both on its {@code ComputeTarget}: a GPU in bf16 when the JNI is safe, fp16 without
 * it, the CPU in float32 otherwise). Latent-space arrays (noise, packed latents, image latents, the inpaint mask,
 * timesteps) are float32 on that device; the models cast their inputs to their own dtype, and the scheduler's Euler
 * step upcasts to float32 and keeps the latents float32. Scalars in the loop are 0-dim arrays made once on a CPU
 * manager. Decoded images come back to the CPU in float32 ({@code PipelineSupport.toHostFloat}). On the CPU in
 * float32 every op is the one the parity checks measure.
 *
 * <p>Memory plan: {@code ModelBundle.applyPlan} releases components the plan STAGEs when the next stage's component is
 * requested (text encoder → transformer → VAE), decodes in the plan's VAE tiles, and loads the transformer with the
 * plan's {@code BlockPlacement}s (streamed blocks through {@code BlockStreamer}).
 *
 * <p>Native memory: a pipeline run allocates in the manager it is given (the job's); the caller closes it. Arrays
 * made from Java memory ({@code manager.create(float[])}, noise, preprocessed images) are never closed while a view
 * of them (reshape, expandDims, a pack that needs no copy) is still in use: DJL keeps such a buffer alive only
 * through the array that created it.
 */
package dev.atelier.inference.pipeline;
