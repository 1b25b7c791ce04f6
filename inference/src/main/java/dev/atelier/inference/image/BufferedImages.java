package dev.atelier.inference.image;

import dev.atelier.inference.api.RgbImage;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * {@link BufferedImage} ↔ {@link RgbImage} (8-bit sRGB ARGB, alpha in the high byte; 255 where the source has no
 * alpha).
 *
 * <p>Conversion rules: 8-bit RGB(A) as stored; grayscale (with or without alpha) is copied to R = G = B without any
 * gamma change (as Pillow's {@code convert("RGB")}; Java's {@code getRGB} would apply a linear-to-sRGB curve to gray
 * images); 16-bit samples are scaled to 8 bits with rounding ({@code (v * 255 + 32767) / 65535}); palette, CMYK and
 * other colour models go through Java's sRGB conversion ({@code getRGB}), which also un-premultiplies alpha. Channels
 * beyond RGBA are dropped. The size is checked ({@link ImageLimits}) before any buffer is allocated.
 */
public final class BufferedImages {
    private BufferedImages() {}

    public static RgbImage toRgbImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        // argb + the float tensor made from it later
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
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        if (!cm.hasAlpha()) {
            for (int i = 0; i < argb.length; i++) {
                argb[i] |= 0xFF000000;
            }
        }
        return new RgbImage(w, h, argb);
    }

    private static RgbImage fromSamples(Raster r, int w, int h, int bits, int[] rgbBands, int alphaBand) {
        int[] argb = new int[w * h];
        int[][] planes = new int[4][w];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                r.getSamples(0, y, w, 1, rgbBands[c], planes[c]);
            }
            if (alphaBand >= 0) {
                r.getSamples(0, y, w, 1, alphaBand, planes[3]);
            }
            for (int x = 0; x < w; x++) {
                int a = alphaBand >= 0 ? to8(planes[3][x], bits) : 0xFF;
                argb[y * w + x] = a << 24 | to8(planes[0][x], bits) << 16 | to8(planes[1][x], bits) << 8
                        | to8(planes[2][x], bits);
            }
        }
        return new RgbImage(w, h, argb);
    }

    private static int to8(int v, int bits) {
        if (bits == 8) {
            return v & 0xFF;
        }
        long max = (1L << bits) - 1;
        return (int) ((v * 255L + max / 2) / max);
    }

    /** A {@code TYPE_INT_ARGB} image when any pixel is not opaque, else {@code TYPE_INT_RGB}. */
    public static BufferedImage toBufferedImage(RgbImage img) {
        boolean alpha = Alpha.extract(img) != null;
        BufferedImage out = new BufferedImage(img.width(), img.height(), alpha ? BufferedImage.TYPE_INT_ARGB
                : BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, img.width(), img.height(), img.argb(), 0, img.width());
        return out;
    }
}
