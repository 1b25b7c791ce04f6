package dev.atelier.inference.api;

import java.util.Arrays;

/**
 * A grayscale inpaint mask, one byte per pixel row-major, {@code 255 = repaint}, {@code 0 = keep} (diffusers'
 * convention for {@code mask_image}); values in between feather the edge. Not copied: treat as immutable.
 */
public record MaskImage(int width, int height, byte[] values) {
    public MaskImage {
        if (width < 1 || height < 1 || width > RgbImage.MAX_SIDE || height > RgbImage.MAX_SIDE) {
            throw new IllegalArgumentException("mask size " + width + "x" + height + " is outside 1.." + RgbImage.MAX_SIDE);
        }
        if (values == null || values.length != width * height) {
            throw new IllegalArgumentException("mask values: expected " + width * height + " for " + width + "x" + height
                    + ", got " + (values == null ? "none" : values.length));
        }
    }

    public int value(int x, int y) {
        return values[y * width + x] & 0xFF;
    }

    /** Nothing to repaint. */
    public boolean isEmpty() {
        for (byte v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** Every pixel fully repainted. */
    public boolean isFull() {
        for (byte v : values) {
            if (v != (byte) 255) {
                return false;
            }
        }
        return true;
    }

    public static MaskImage filled(int width, int height, int value) {
        byte[] v = new byte[width * height];
        Arrays.fill(v, (byte) value);
        return new MaskImage(width, height, v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskImage m && m.width == width && m.height == height && Arrays.equals(m.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "MaskImage[" + width + "x" + height + "]";
    }
}
