package dev.atelier.inference.image;

import dev.atelier.inference.api.RgbImage;

/**
 * The alpha channel kept aside while the RGB goes through the VAE, and put back on the result: resized with Pillow's
 * Lanczos ({@link Resample}) when the result has another size.
 */
public final class Alpha {
    private Alpha() {}

    /** The alpha plane ({@code width * height} bytes), or {@code null} when every pixel is opaque. */
    public static byte[] extract(RgbImage img) {
        int[] p = img.argb();
        byte[] a = null;
        for (int i = 0; i < p.length; i++) {
            int v = p[i] >>> 24;
            if (v != 0xFF && a == null) {
                a = new byte[p.length];
                java.util.Arrays.fill(a, 0, i, (byte) 0xFF);
            }
            if (a != null) {
                a[i] = (byte) v;
            }
        }
        return a;
    }

    /** {@code img} with alpha {@code alpha} of {@code aw × ah} ({@code null}: opaque), resized to img's size. */
    public static RgbImage restore(RgbImage img, byte[] alpha, int aw, int ah) {
        int[] p = img.argb().clone();
        if (alpha == null) {
            for (int i = 0; i < p.length; i++) {
                p[i] |= 0xFF000000;
            }
            return new RgbImage(img.width(), img.height(), p);
        }
        if (alpha.length != aw * ah) {
            throw new IllegalArgumentException("alpha has " + alpha.length + " values, expected " + aw + "×" + ah);
        }
        byte[] a = aw == img.width() && ah == img.height() ? alpha
                : Resample.lanczos(alpha, aw, ah, 1, img.width(), img.height());
        for (int i = 0; i < p.length; i++) {
            p[i] = (a[i] & 0xFF) << 24 | (p[i] & 0xFFFFFF);
        }
        return new RgbImage(img.width(), img.height(), p);
    }
}
