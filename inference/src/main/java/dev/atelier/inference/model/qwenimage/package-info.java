/**
 * The Qwen-Image MMDiT transformer (Qwen-Image-2512 text-to-image, Qwen-Image-Edit-2511 with {@code zero_cond_t}),
 * ported from diffusers {@code transformer_qwenimage.py} @58eb52c0803ea9af3abec60841c2a093bdf1f951.
 *
 * <pre>{@code
 * QwenImageConfig cfg = QwenImageConfig.read(dir.resolve("transformer/config.json"));  // or detectFromWeights(store)
 * try (WeightStore store = WeightStores.open(dir.resolve("transformer"));
 *      NDManager weights = NDManager.newBaseManager(Device.gpu(0));
 *      QwenImageTransformer t = QwenImageTransformer.load(cfg, new Weights(store, weights, DataType.BFLOAT16),
 *              QwenImageTransformer.Impl.FUSED)) {
 *     // per step: packed latents [B, N, 64] (target tokens first, then each reference image's), text [B, L, 3584],
 *     // mask [B, L] or null, sigma [B] (= t / 1000), per sample the (1, h/16, w/16) grids of target + references
 *     NDArray noisePred = t.forward(latents, promptEmbeds, promptMask, sigma, imgShapes);
 * }
 * }</pre>
 * Only the target image's tokens of the output are the prediction; the pipeline slices {@code [:, :target_tokens]}.
 */
package dev.atelier.inference.model.qwenimage;
