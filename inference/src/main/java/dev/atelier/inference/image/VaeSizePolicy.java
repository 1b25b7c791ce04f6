package dev.atelier.inference.image;

import dev.atelier.inference.pipeline.Dimensions;

/**
 * The size rules the Qwen-Image pipelines apply before the VAE (diffusers @58eb52c0803ea9af3abec60841c2a093bdf1f951,
 * {@code pipeline_qwenimage_edit_plus.py}, {@code pipeline_qwenimage.py}, {@code image_processor.py}). Every image
 * the VAE sees has sides divisible by 16: 8 pixels per latent ({@code vae_scale_factor}) times the transformer's 2×2
 * patch.
 *
 * <ul>
 *   <li><b>Edit reference images</b> ({@link #editVaeImageSize}): resized (Lanczos, aspect kept, no crop) to
 *       {@code calculate_dimensions(1024 * 1024, w / h)} — about one megapixel, each side rounded to a multiple of
 *       32 (round half to even).</li>
 *   <li><b>Output size</b> ({@link #outputSize}): the requested size, or {@code calculate_dimensions(1024 * 1024,
 *       w / h)} of the last reference image when none is given, then each side floored to a multiple of 16
 *       ({@code width // 16 * 16}).</li>
 *   <li><b>Inpaint / img2img source images</b> ({@link #processorSize}): {@code VaeImageProcessor.preprocess} floors
 *       the requested size to a multiple of 16 ({@code get_default_height_width}: {@code x - x % 16}) and resizes the
 *       whole image to it (Lanczos, no crop).</li>
 * </ul>
 * (Not to be confused with {@link dev.atelier.inference.api.SizePolicy}, the user's choice of output size that the
 * engine turns into a requested size before these rules apply.) Nothing is cropped by these rules; the aspect ratio changes by less than one 32-pixel step. Sizes outside
 * [{@link ImageLimits#MIN_SIDE}, {@link ImageLimits#MAX_PIXELS}] are refused by {@link ImageLimits}.
 */
public final class VaeSizePolicy {
    /** Pixels per side of one transformer token: VAE scale 8 × patch 2. */
    public static final int MULTIPLE = 16;

    private VaeSizePolicy() {}

    /** The size an edit reference image is resized to before {@code vae.encode}. */
    public static Dimensions.Size editVaeImageSize(int width, int height) {
        ImageLimits.check("the reference image", width, height, 0);
        return Dimensions.calculateDimensions(Dimensions.VAE_IMAGE_SIZE, (double) width / height);
    }

    /**
     * The output size of an edit: {@code requested} (may be {@code null}) or the default from the last reference
     * image, floored to multiples of 16.
     */
    public static Dimensions.Size outputSize(Dimensions.Size requested, int lastRefWidth, int lastRefHeight) {
        Dimensions.Size s = requested != null ? requested
                : Dimensions.calculateDimensions(Dimensions.VAE_IMAGE_SIZE, (double) lastRefWidth / lastRefHeight);
        Dimensions.Size floored = Dimensions.floorTo(s, MULTIPLE);
        ImageLimits.check("the output size", floored.width(), floored.height(), 0);
        return floored;
    }

    /** {@code VaeImageProcessor(vae_scale_factor=16).get_default_height_width}: floors to multiples of 16. */
    public static Dimensions.Size processorSize(int width, int height) {
        Dimensions.Size s = Dimensions.floorTo(new Dimensions.Size(width, height), MULTIPLE);
        ImageLimits.check("the image", s.width(), s.height(), 0);
        return s;
    }

    /** Whether an image can go to the VAE as is (both sides multiples of 16). */
    public static boolean isVaeReady(int width, int height) {
        return width % MULTIPLE == 0 && height % MULTIPLE == 0;
    }
}
