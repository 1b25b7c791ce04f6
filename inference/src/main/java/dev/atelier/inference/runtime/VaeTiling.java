package dev.atelier.inference.runtime;

/**
 * How the VAE decodes: whole, or in square tiles of {@code tilePixels} with {@code overlapPixels} blended.
 * The VAE port reads this (its tiling hook); the planner chooses it from the memory left at the VAE stage.
 */
public record VaeTiling(boolean tiled, int tilePixels, int overlapPixels, long peakBytes) {
    /**
     * Bytes of activations per output pixel for a whole-image decode at 2-byte precision. Estimate: the Qwen-Image
     * (Wan 2.1) decoder's last stages run 96-192 channels at full / half resolution with causal-conv caches; about
     * six live 96-channel tensors at full resolution = 6 x 96 x 2 B ~ 1.2 KB, rounded up to 1.5 KiB. To be replaced
     * by the measured NVML peak of the benchmark.
     */
    public static final long DECODE_BYTES_PER_PIXEL = 1536;
    /** Tile sides tried, largest first. */
    private static final int[] TILES = {1024, 768, 512, 384, 256};
    private static final int OVERLAP = 64;

    /** Whole decode when it fits in {@code available} (and not {@code force}), else the largest tile that fits. */
    public static VaeTiling decide(int width, int height, int computeBytes, long available, boolean force) {
        long perPixel = DECODE_BYTES_PER_PIXEL * computeBytes / 2;
        long whole = perPixel * width * height;
        if (!force && whole <= available) {
            return new VaeTiling(false, 0, 0, whole);
        }
        for (int t : TILES) {
            if (t >= Math.max(width, height) && !force) {
                continue;
            }
            long peak = perPixel * (long) (t + OVERLAP) * (t + OVERLAP);
            if (peak <= available || t == TILES[TILES.length - 1]) {
                return new VaeTiling(true, t, OVERLAP, peak);
            }
        }
        throw new AssertionError("unreachable");
    }

    public String describe() {
        return tiled ? "tiled decode (" + tilePixels + " px tiles, " + overlapPixels + " px overlap)" : "whole-image decode";
    }
}
