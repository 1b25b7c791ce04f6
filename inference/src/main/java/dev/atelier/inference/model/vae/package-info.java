/**
 * The Qwen-Image VAE ({@code AutoencoderKLQwenImage}) for still images.
 *
 * <p>How the pipelines use it (diffusers' formulas in brackets):
 * <pre>{@code
 * QwenImageVae vae = QwenImageVae.load(modelDir.resolve("vae"), engineManager, Device.gpu(0), DataType.BFLOAT16);
 * vae.setMemoryBudget(bytesForActivations);                 // tiles automatically beyond it
 * RgbImage rgb = ...;                                       // api.RgbImage (BufferedImages.toRgbImage for AWT)
 * byte[] alpha = Alpha.extract(rgb);                         // kept aside (null when opaque)
 * Dimensions.Size s = VaeSizePolicy.editVaeImageSize(rgb.width(), rgb.height());
 * NDArray x = VaeImageProcessor.preprocess(rgb, s.width(), s.height(), m).expandDims(2); // [1,3,1,H,W] in [-1,1]
 * NDArray z = vae.normalize(vae.encode(x));                  // (mode - mean) / std     (edit-plus, t2i)
 * NDArray zi = vae.normalizeInpaint(vae.encode(x));          // (mode - mean) * (1/std) (inpaint)
 * NDArray px = vae.decode(vae.denormalize(latents));         // latents / (1/std) + mean, clamped to [-1, 1]
 * RgbImage out = VaeImageProcessor.postprocess(px, alpha, rgb.width(), rgb.height());
 * }</pre>
 */
package dev.atelier.inference.model.vae;
