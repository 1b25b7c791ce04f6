package dev.atelier.app.io;

import java.awt.image.BufferedImage;

/** Image reduction shared by the loader (oversized images) and the canvas mip levels. */
public final class Downscale {
    private Downscale() {}

    /** 2x2 box average of ARGB pixels (odd edges repeat the last row/column). */
    public static int[] halve(int[] src, int w, int h, int nw, int nh) {
        int[] dst = new int[nw * nh];
        for (int y = 0; y < nh; y++) {
            int y0 = 2 * y, y1 = Math.min(h - 1, y0 + 1);
            for (int x = 0; x < nw; x++) {
                int x0 = 2 * x, x1 = Math.min(w - 1, x0 + 1);
                int a = src[y0 * w + x0], b = src[y0 * w + x1], c = src[y1 * w + x0], d = src[y1 * w + x1];
                int out = 0;
                for (int shift = 0; shift < 32; shift += 8) {
                    int s = (a >>> shift & 0xff) + (b >>> shift & 0xff) + (c >>> shift & 0xff) + (d >>> shift & 0xff);
                    out |= ((s + 2) >> 2) << shift;
                }
                dst[y * nw + x] = out;
            }
        }
        return dst;
    }

    /** Box-filtered reduction by halving, then a bilinear step to the exact size. */
    public static BufferedImage scaleDown(BufferedImage src, int tw, int th) {
        BufferedImage cur = src;
        while (cur.getWidth() / 2 >= tw && cur.getHeight() / 2 >= th) {
            int nw = cur.getWidth() / 2, nh = cur.getHeight() / 2;
            int[] in = cur.getRGB(0, 0, cur.getWidth(), cur.getHeight(), null, 0, cur.getWidth());
            int[] out = halve(in, cur.getWidth(), cur.getHeight(), nw, nh);
            cur = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_ARGB);
            cur.setRGB(0, 0, nw, nh, out, 0, nw);
        }
        if (cur.getWidth() == tw && cur.getHeight() == th) return cur;
        BufferedImage dst = new BufferedImage(tw, th, BufferedImage.TYPE_INT_ARGB);
        var g = dst.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(cur, 0, 0, tw, th, null);
        g.dispose();
        return dst;
    }

}
