package dev.atelier.inference.model.qwenvl;

/**
 * Image sizing of the Qwen-Image edit pipelines before the text encoder: {@code calculate_dimensions} and
 * {@code VaeImageProcessor.resize} (PIL {@code Image.resize(..., LANCZOS)} on an RGB image).
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_plus.py (calculate_dimensions,
// CONDITION_IMAGE_SIZE, VAE_IMAGE_SIZE) and src/diffusers/image_processor.py (VaeImageProcessor.resize)
// @58eb52c0803ea9af3abec60841c2a093bdf1f951
public final class ConditionImages {
    private ConditionImages() {}

    /** Area of the images the edit-plus pipeline gives the text encoder's vision tower. */
    public static final int CONDITION_IMAGE_SIZE = 384 * 384;
    /** Area of the images the edit-plus pipeline encodes with the VAE (and the default output area). */
    public static final int VAE_IMAGE_SIZE = 1024 * 1024;

    /**
     * {@code calculate_dimensions(target_area, ratio)}: {@code width = sqrt(area * ratio)}, {@code height =
     * width / ratio}, both rounded to a multiple of 32 with Python's {@code round} (half to even). Returns
     * {@code {width, height}}.
     */
    public static int[] calculateDimensions(double targetArea, double ratio) {
        if (!(ratio > 0) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("aspect ratio must be positive and finite, got " + ratio);
        }
        double width = Math.sqrt(targetArea * ratio);
        double height = width / ratio;
        int w = (int) Math.rint(width / 32) * 32;
        int h = (int) Math.rint(height / 32) * 32;
        return new int[] {w, h};
    }

    /**
     * The condition image of one input image: {@code calculate_dimensions(384*384, w/h)} then a PIL Lanczos resize.
     *
     * @throws IllegalArgumentException if the aspect ratio is so extreme that a side rounds to 0 pixels
     */
    public static RgbImage conditionImage(RgbImage image) {
        int[] wh = calculateDimensions(CONDITION_IMAGE_SIZE, (double) image.width() / image.height());
        if (wh[0] <= 0 || wh[1] <= 0) {
            throw new IllegalArgumentException("the image is " + image.width() + "x" + image.height()
                    + ": too elongated to scale to a " + CONDITION_IMAGE_SIZE + "-pixel condition image (a side rounds "
                    + "to 0); crop it");
        }
        return resize(image, wh[0], wh[1]);
    }

    /** {@code VaeImageProcessor.resize(image, height, width)} for a PIL RGB image (LANCZOS, no reducing gap). */
    public static RgbImage resize(RgbImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        return Resample.resize(image, width, height, Resample.Filter.LANCZOS, Resample.Quantization.PIL);
    }
}
