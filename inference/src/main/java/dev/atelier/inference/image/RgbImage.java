package dev.atelier.inference.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An 8-bit RGB image (interleaved, row-major) with its alpha channel kept aside ({@code null} when opaque).
 *
 * <p>Conversion rules from a {@link BufferedImage}: 8-bit RGB(A) as stored; grayscale (with or without alpha) is
 * copied to R = G = B without any gamma change (as Pillow's {@code convert("RGB")}; Java's {@code getRGB} would apply
 * a linear-to-sRGB curve to gray images); 16-bit samples are scaled to 8 bits with rounding
 * ({@code (v * 255 + 32767) / 65535}); palette, CMYK and other colour models go through Java's sRGB conversion
 * ({@code getRGB}); premultiplied alpha is un-premultiplied by that conversion too. Extra channels beyond RGBA are
 * dropped.
 */
public record RgbImage(int width, int height, byte[] rgb, byte[] alpha) {
    public RgbImage {
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + width + "×" + height
                    + "×3");
        }
        if (alpha != null && (long) width * height != alpha.length) {
            throw new IllegalArgumentException("alpha has " + alpha.length + " bytes, expected " + width + "×"
                    + height);
        }
    }

    public boolean hasAlpha() {
        return alpha != null;
    }

    /** Converts any {@link BufferedImage} (see the class comment), after checking its size. */
    public static RgbImage from(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        // rgb + alpha + the float tensor made from them later
        ImageLimits.check("the image", w, h, 4 + 12);
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        boolean plain = !(cm instanceof IndexColorModel) && !cm.isAlphaPremultiplied() && bits <= 16;
        int type = cm.getColorSpace().getType();
        if (plain && type == ColorSpace.TYPE_GRAY && bands >= 1) {
            return fromSamples(r, w, h, bits, new int[] {0, 0, 0}, cm.hasAlpha() && bands >= 2 ? 1 : -1);
        }
        if (plain && type == ColorSpace.TYPE_RGB && cm.getColorSpace().isCS_sRGB() && bands >= 3
                && (bits == 16 || img.getType() == BufferedImage.TYPE_CUSTOM)) {
            return fromSamples(r, w, h, bits, new int[] {0, 1, 2}, cm.hasAlpha() && bands >= 4 ? 3 : -1);
        }
        return fromArgb(img, w, h, cm.hasAlpha());
    }

    private static RgbImage fromSamples(Raster r, int w, int h, int bits, int[] rgbBands, int alphaBand) {
        byte[] rgb = new byte[w * h * 3];
        byte[] alpha = alphaBand >= 0 ? new byte[w * h] : null;
        int[] row = new int[w];
        int[][] planes = new int[3][w];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                r.getSamples(0, y, w, 1, rgbBands[c], planes[c]);
            }
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = to8(planes[c][x], bits);
                }
            }
            if (alpha != null) {
                r.getSamples(0, y, w, 1, alphaBand, row);
                for (int x = 0; x < w; x++) {
                    alpha[y * w + x] = to8(row[x], bits);
                }
            }
        }
        return new RgbImage(w, h, rgb, alpha);
    }

    private static byte to8(int v, int bits) {
        if (bits == 8) {
            return (byte) v;
        }
        int max = (1 << bits) - 1;
        return (byte) ((v * 255L + max / 2) / max);
    }

    private static RgbImage fromArgb(BufferedImage img, int w, int h, boolean hasAlpha) {
        byte[] rgb = new byte[w * h * 3];
        byte[] alpha = hasAlpha ? new byte[w * h] : null;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int i = (y * w + x) * 3;
                rgb[i] = (byte) (p >> 16);
                rgb[i + 1] = (byte) (p >> 8);
                rgb[i + 2] = (byte) p;
                if (alpha != null) {
                    alpha[y * w + x] = (byte) (p >>> 24);
                }
            }
        }
        return new RgbImage(w, h, rgb, alpha);
    }

    /** A {@code TYPE_INT_RGB} image, or {@code TYPE_INT_ARGB} with the alpha channel restored. */
    public BufferedImage toBufferedImage() {
        BufferedImage out = new BufferedImage(width, height, alpha != null ? BufferedImage.TYPE_INT_ARGB
                : BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                int a = alpha != null ? alpha[y * width + x] & 0xff : 0xff;
                row[x] = a << 24 | (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
            }
            out.setRGB(0, y, width, 1, row, 0, width);
        }
        return out;
    }

    /** This image at another size: RGB and alpha each resized with Pillow's Lanczos ({@link PilResize}). */
    public RgbImage resized(int newWidth, int newHeight) {
        if (newWidth == width && newHeight == height) {
            return this;
        }
        ImageLimits.check("the resized image", newWidth, newHeight, 4 + 12);
        byte[] r = PilResize.lanczos(rgb, width, height, 3, newWidth, newHeight);
        byte[] a = alpha == null ? null : PilResize.lanczos(alpha, width, height, 1, newWidth, newHeight);
        return new RgbImage(newWidth, newHeight, r, a);
    }

    /** The same pixels with {@code alpha} (same size, or {@code null}) attached. */
    public RgbImage withAlpha(byte[] newAlpha) {
        return new RgbImage(width, height, rgb, newAlpha);
    }
}
