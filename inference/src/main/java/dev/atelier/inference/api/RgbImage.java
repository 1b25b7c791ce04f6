package dev.atelier.inference.api;

import java.util.Arrays;

/**
 * An sRGB image in engine memory: {@code argb[y * width + x] = 0xAARRGGBB} (the layout of JavaFX's
 * {@code PixelFormat.getIntArgbInstance()} and AWT's {@code TYPE_INT_ARGB}, so the app converts without copying
 * per channel). Alpha is ignored by the engine (treated as opaque). The array is not copied: treat it as immutable.
 */
public record RgbImage(int width, int height, int[] argb) {
    /** Largest side accepted (a 24 MP photo is about 6000 x 4000). */
    public static final int MAX_SIDE = 16384;

    public RgbImage {
        if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " is outside 1.." + MAX_SIDE);
        }
        if (argb == null || argb.length != width * height) {
            throw new IllegalArgumentException("image pixels: expected " + width * height + " values for " + width + "x"
                    + height + ", got " + (argb == null ? "none" : argb.length));
        }
    }

    /** From interleaved 8-bit RGB ({@code rgb.length == 3 * width * height}). */
    public static RgbImage fromRgbBytes(int width, int height, byte[] rgb) {
        if (rgb.length != 3 * width * height) {
            throw new IllegalArgumentException("RGB bytes: expected " + 3 * width * height + ", got " + rgb.length);
        }
        int[] p = new int[width * height];
        for (int i = 0; i < p.length; i++) {
            p[i] = 0xFF000000 | (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF);
        }
        return new RgbImage(width, height, p);
    }

    public static RgbImage filled(int width, int height, int rgb) {
        int[] p = new int[width * height];
        Arrays.fill(p, 0xFF000000 | rgb);
        return new RgbImage(width, height, p);
    }

    /** Interleaved 8-bit RGB, row-major. */
    public byte[] toRgbBytes() {
        byte[] b = new byte[3 * argb.length];
        for (int i = 0; i < argb.length; i++) {
            b[3 * i] = (byte) (argb[i] >> 16);
            b[3 * i + 1] = (byte) (argb[i] >> 8);
            b[3 * i + 2] = (byte) argb[i];
        }
        return b;
    }

    public int rgb(int x, int y) {
        return argb[y * width + x] & 0xFFFFFF;
    }

    public double aspect() {
        return (double) width / height;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.argb, argb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(argb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
