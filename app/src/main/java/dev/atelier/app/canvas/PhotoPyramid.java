package dev.atelier.app.canvas;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.List;

/** The photo and its 2x box-filtered reductions down to {@value #MIN_SIZE} pixels on the long side. */
public final class PhotoPyramid implements LevelSource {
    static final int MIN_SIZE = 256;
    private final List<int[]> levels = new ArrayList<>();
    private final List<int[]> sizes = new ArrayList<>();

    public PhotoPyramid(BufferedImage photo) {
        int w = photo.getWidth(), h = photo.getHeight();
        int[] base = photo.getType() == BufferedImage.TYPE_INT_ARGB
                ? ((DataBufferInt) photo.getRaster().getDataBuffer()).getData()
                : photo.getRGB(0, 0, w, h, null, 0, w);
        levels.add(base);
        sizes.add(new int[] {w, h});
        while (Math.max(w, h) > MIN_SIZE) {
            int nw = Math.max(1, (w + 1) / 2), nh = Math.max(1, (h + 1) / 2);
            levels.add(halve(levels.getLast(), w, h, nw, nh));
            sizes.add(new int[] {nw, nh});
            w = nw;
            h = nh;
        }
    }

    static int[] halve(int[] src, int w, int h, int nw, int nh) {
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

    @Override public int levels() { return levels.size(); }

    @Override public int width(int level) { return sizes.get(level)[0]; }

    @Override public int height(int level) { return sizes.get(level)[1]; }

    @Override
    public void read(int level, int x, int y, int w, int h, int[] dst) {
        int[] src = levels.get(level);
        int lw = width(level);
        for (int row = 0; row < h; row++) System.arraycopy(src, (y + row) * lw + x, dst, row * w, w);
    }
}
