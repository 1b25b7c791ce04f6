package dev.atelier.app.canvas;

import dev.atelier.app.io.Downscale;
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
            levels.add(Downscale.halve(levels.getLast(), w, h, nw, nh));
            sizes.add(new int[] {nw, nh});
            w = nw;
            h = nh;
        }
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
