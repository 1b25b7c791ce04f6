package dev.atelier.inference.model.qwenimage;

/**
 * One image's latent token grid as the transformer sees it: {@code frames × height × width} patches
 * ({@code height = latent_h / 2}, {@code width = latent_w / 2}); the pipelines' {@code img_shapes} entries.
 */
public record ImageShape(int frames, int height, int width) {
    public ImageShape {
        if (frames <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, found (" + frames + ", " + height + ", "
                    + width + ")");
        }
    }

    public long tokens() {
        return (long) frames * height * width;
    }

    @Override
    public String toString() {
        return "(" + frames + ", " + height + ", " + width + ")";
    }
}
