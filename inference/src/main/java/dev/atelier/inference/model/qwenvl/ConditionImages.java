package dev.atelier.inference.model.qwenvl;

import dev.atelier.inference.image.Resample;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.pipeline.Dimensions;

/**
 * Image sizing of the Qwen-Image edit pipelines before the text encoder: the condition image of
 * {@code calculate_dimensions(CONDITION_IMAGE_SIZE, w / h)} ({@link Dimensions}) made with
 * {@code VaeImageProcessor.resize} (PIL {@code Image.resize(..., LANCZOS)} on an RGB image).
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_plus.py (condition images) and
// src/diffusers/image_processor.py (VaeImageProcessor.resize) @58eb52c0803ea9af3abec60841c2a093bdf1f951
public final class ConditionImages {
    private ConditionImages() {}

    /**
     * The condition image of one input image: {@code calculate_dimensions(384*384, w/h)} then a PIL Lanczos resize.
     *
     * @throws IllegalArgumentException if the aspect ratio is so extreme that a side rounds to 0 pixels
     */
    public static RgbBytes conditionImage(RgbBytes image) {
        Dimensions.Size s = Dimensions.calculateDimensions(Dimensions.CONDITION_IMAGE_SIZE,
                (double) image.width() / image.height());
        if (s.width() <= 0 || s.height() <= 0) {
            throw new IllegalArgumentException("the image is " + image.width() + "x" + image.height()
                    + ": too elongated to scale to a " + Dimensions.CONDITION_IMAGE_SIZE + "-pixel condition image (a "
                    + "side rounds to 0); crop it");
        }
        return resize(image, s.width(), s.height());
    }

    /**
     * {@code VaeImageProcessor.resize(image, height, width)} for a PIL RGB image (LANCZOS, no reducing gap); also what
     * {@code VaeImageProcessor.preprocess} does to PIL inputs before normalising (the VAE images).
     */
    public static RgbBytes resize(RgbBytes image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        return image.resize(width, height, Resample.Filter.LANCZOS, Resample.Quantization.PIL);
    }
}
