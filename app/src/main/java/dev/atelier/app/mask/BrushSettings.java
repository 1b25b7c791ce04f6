package dev.atelier.app.mask;

/**
 * A dab's shape: {@code size} is the diameter in image pixels, {@code hardness} the fraction of the radius that
 * is fully opaque (1 = hard edge), {@code opacity} the most a single stroke adds.
 */
public record BrushSettings(double size, double hardness, double opacity, boolean eraser) {
    public BrushSettings {
        if (!(size >= 1)) throw new IllegalArgumentException("brush size must be at least 1 pixel, got " + size);
        if (!(hardness >= 0 && hardness <= 1)) throw new IllegalArgumentException("brush hardness must be in 0..1, got " + hardness);
        if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("brush opacity must be in 0..1, got " + opacity);
    }
}
