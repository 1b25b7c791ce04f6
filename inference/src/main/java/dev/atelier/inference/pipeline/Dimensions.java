package dev.atelier.inference.pipeline;

/** Size rules of the Qwen-Image pipelines. */
public final class Dimensions {
    /** Area of the images the text encoder sees (edit pipelines). */
    public static final int CONDITION_IMAGE_SIZE = 384 * 384;
    /** Area of the reference images the VAE encodes and of the default output (edit pipelines). */
    public static final int VAE_IMAGE_SIZE = 1024 * 1024;

    private Dimensions() {}

    /** A width and height in pixels. */
    public record Size(int width, int height) {
        public double aspect() {
            return (double) width / height;
        }
    }

    /**
     * diffusers' {@code calculate_dimensions(target_area, ratio)}: the size of about {@code targetArea} pixels with the
     * aspect {@code ratio} = w / h, each side rounded to a multiple of 32 with Python's round-half-to-even.
     */
    public static Size calculateDimensions(double targetArea, double ratio) {
        double width = Math.sqrt(targetArea * ratio);
        double height = width / ratio;
        int w = (int) Math.rint(width / 32) * 32;
        int h = (int) Math.rint(height / 32) * 32;
        return new Size(w, h);
    }

    /** Floors both sides to a multiple of {@code multipleOf} (the pipelines' {@code // multiple_of * multiple_of}). */
    public static Size floorTo(Size s, int multipleOf) {
        return new Size(s.width() / multipleOf * multipleOf, s.height() / multipleOf * multipleOf);
    }
}
