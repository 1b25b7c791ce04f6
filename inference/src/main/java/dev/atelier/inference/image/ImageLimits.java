package dev.atelier.inference.image;

import java.util.Locale;

/**
 * Sizes Atelier accepts, checked before any pixel buffer is allocated so that a huge or degenerate image is refused
 * with a message instead of an {@link OutOfMemoryError}.
 */
public final class ImageLimits {
    /**
     * Smallest side: one 2×2 patch of 8-pixel latents (the transformer's token). Smaller images carry nothing the
     * model can use, and the pipelines would blow a 1×1 image up to a megapixel of one colour.
     */
    public static final int MIN_SIDE = 16;
    /** Largest area: 256 megapixels (e.g. 16384 × 16384); the pipelines resize to about one megapixel anyway. */
    public static final long MAX_PIXELS = 256L * 1024 * 1024;

    private ImageLimits() {}

    /**
     * Refuses sizes outside [{@link #MIN_SIDE}, {@link #MAX_PIXELS}] and images whose working buffers
     * ({@code bytesPerPixel} per pixel) would not fit in the Java heap now.
     */
    public static void check(String what, long width, long height, long bytesPerPixel) {
        if (width < MIN_SIDE || height < MIN_SIDE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s is %d×%d pixels; Qwen-Image needs at least %d×%d (one 2×2 patch of 8-pixel latents) — use a "
                            + "larger image", what, width, height, MIN_SIDE, MIN_SIDE));
        }
        long pixels = width * height;
        if (pixels > MAX_PIXELS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s is %d×%d pixels (%.0f megapixels); Atelier accepts up to %d megapixels — downscale it first "
                            + "(the model works at about 1 megapixel)", what, width, height, pixels / 1e6,
                    MAX_PIXELS / (1024 * 1024)));
        }
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long need = pixels * bytesPerPixel;
        if (need > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s is %d×%d pixels and needs about %.0f MiB of memory to convert, but only %.0f MiB are free — "
                            + "downscale it or give Java more memory (-Xmx)", what, width, height, need / 1048576.0,
                    available / 1048576.0));
        }
    }
}
