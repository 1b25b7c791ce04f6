package dev.atelier.app.canvas;

import dev.atelier.app.document.Rect;
import dev.atelier.app.mask.Mask;
import java.util.ArrayList;
import java.util.List;

/**
 * The mask as an overlay colour whose alpha is the mask value, with reductions kept up to date incrementally:
 * {@link #update(Rect)} recomputes only the changed area of each level.
 */
public final class MaskPyramid implements LevelSource {
    private final List<byte[]> levels = new ArrayList<>();
    private final List<int[]> sizes = new ArrayList<>();
    private volatile int rgb;

    public MaskPyramid(Mask mask, int rgb) {
        this.rgb = rgb & 0xFFFFFF;
        int w = mask.width(), h = mask.height();
        levels.add(mask.data());
        sizes.add(new int[] {w, h});
        while (Math.max(w, h) > PhotoPyramid.MIN_SIZE) {
            w = Math.max(1, (w + 1) / 2);
            h = Math.max(1, (h + 1) / 2);
            levels.add(new byte[w * h]);
            sizes.add(new int[] {w, h});
        }
        update(mask.bounds());
    }

    public void setColor(int rgb) {
        this.rgb = rgb & 0xFFFFFF;
    }

    /** Recomputes the reductions under {@code r} (level-0 coordinates). */
    public void update(Rect r) {
        for (int l = 1; l < levels.size(); l++) {
            int pw = width(l - 1), ph = height(l - 1), w = width(l);
            int x0 = r.x() >> l, y0 = r.y() >> l;
            int x1 = Math.min(w, ((r.right() - 1) >> l) + 1), y1 = Math.min(height(l), ((r.bottom() - 1) >> l) + 1);
            byte[] src = levels.get(l - 1), dst = levels.get(l);
            for (int y = y0; y < y1; y++) {
                int sy0 = 2 * y, sy1 = Math.min(ph - 1, sy0 + 1);
                for (int x = x0; x < x1; x++) {
                    int sx0 = 2 * x, sx1 = Math.min(pw - 1, sx0 + 1);
                    int s = (src[sy0 * pw + sx0] & 0xff) + (src[sy0 * pw + sx1] & 0xff)
                            + (src[sy1 * pw + sx0] & 0xff) + (src[sy1 * pw + sx1] & 0xff);
                    dst[y * w + x] = (byte) ((s + 2) >> 2);
                }
            }
        }
    }

    @Override public int levels() { return levels.size(); }

    @Override public int width(int level) { return sizes.get(level)[0]; }

    @Override public int height(int level) { return sizes.get(level)[1]; }

    @Override
    public void read(int level, int x, int y, int w, int h, int[] dst) {
        byte[] src = levels.get(level);
        int lw = width(level);
        int c = rgb;
        for (int row = 0; row < h; row++) {
            int s = (y + row) * lw + x, d = row * w;
            for (int i = 0; i < w; i++) dst[d + i] = (src[s + i] & 0xff) << 24 | c;
        }
    }
}
