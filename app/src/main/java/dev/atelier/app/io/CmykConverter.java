package dev.atelier.app.io;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/** Naive CMYK/YCCK to RGB for JPEGs ImageIO cannot convert itself (no ICC profile is applied). */
final class CmykConverter {
    private CmykConverter() {}

    /** {@code adobeTransform}: -1 no Adobe marker (plain CMYK), 0 inverted CMYK, 2 YCCK. */
    static BufferedImage toRgb(Raster r, int adobeTransform) {
        int w = r.getWidth(), h = r.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] px = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(r.getMinX() + x, r.getMinY() + y, px);
                int c = px[0], m = px[1], ye = px[2], k = px[3];
                if (adobeTransform == 2) {
                    double yy = c, cb = m - 128, cr = ye - 128;
                    c = clamp(yy + 1.402 * cr);
                    m = clamp(yy - 0.344136 * cb - 0.714136 * cr);
                    ye = clamp(yy + 1.772 * cb);
                }
                int red, green, blue;
                if (adobeTransform >= 0) { // Adobe stores inverted ink values
                    red = c * k / 255;
                    green = m * k / 255;
                    blue = ye * k / 255;
                } else {
                    red = (255 - c) * (255 - k) / 255;
                    green = (255 - m) * (255 - k) / 255;
                    blue = (255 - ye) * (255 - k) / 255;
                }
                out.setRGB(x, y, 0xFF000000 | red << 16 | green << 8 | blue);
            }
        }
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
