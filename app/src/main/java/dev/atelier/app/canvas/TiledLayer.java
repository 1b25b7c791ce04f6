package dev.atelier.app.canvas;

import dev.atelier.app.document.Rect;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/**
 * Draws a {@link LevelSource} at any zoom from cached tiles: the level whose resolution just covers the zoom is
 * chosen, only tiles in view are drawn, tiles are created on first use and refreshed only where invalidated.
 * A frame therefore never touches the full-resolution image.
 */
public final class TiledLayer {
    static final int TILE = 512;

    private final LevelSource source;
    private final WritableImage[][][] tiles;
    private final Rect[][][] dirty;
    private int[] scratch = new int[0];
    private int tilesRendered;

    public TiledLayer(LevelSource source) {
        this.source = source;
        int n = source.levels();
        tiles = new WritableImage[n][][];
        dirty = new Rect[n][][];
        for (int l = 0; l < n; l++) {
            int cols = (source.width(l) + TILE - 1) / TILE, rows = (source.height(l) + TILE - 1) / TILE;
            tiles[l] = new WritableImage[rows][cols];
            dirty[l] = new Rect[rows][cols];
        }
    }

    /** The mip level used at {@code scale} (screen pixels per image pixel). */
    public int levelFor(double scale) {
        int l = 0;
        while (l + 1 < source.levels() && scale * (1 << (l + 1)) <= 1.0 + 1e-9) l++;
        return l;
    }

    /** Marks a level-0 rectangle as changed in every level. */
    public void invalidate(Rect r) {
        for (int l = 0; l < tiles.length; l++) {
            int x0 = r.x() >> l, y0 = r.y() >> l;
            int x1 = ((r.right() - 1) >> l) + 1, y1 = ((r.bottom() - 1) >> l) + 1;
            Rect lr = new Rect(x0, y0, x1 - x0, y1 - y0).clip(source.width(l), source.height(l));
            if (lr.isEmpty()) continue;
            for (int ty = lr.y() / TILE; ty <= (lr.bottom() - 1) / TILE; ty++) {
                for (int tx = lr.x() / TILE; tx <= (lr.right() - 1) / TILE; tx++) {
                    if (tiles[l][ty][tx] == null) continue; // built fresh when first needed
                    Rect part = lr.intersect(new Rect(tx * TILE, ty * TILE, TILE, TILE));
                    dirty[l][ty][tx] = dirty[l][ty][tx] == null ? part : dirty[l][ty][tx].union(part);
                }
            }
        }
    }

    /**
     * Draws the visible part. {@code ox, oy}: screen position of image pixel (0,0); {@code scale}: screen pixels per
     * image pixel; {@code vw, vh}: viewport size.
     */
    public void draw(GraphicsContext gc, double ox, double oy, double scale, double vw, double vh) {
        int l = levelFor(scale);
        double s = scale * (1 << l); // screen pixels per level pixel
        int lw = source.width(l), lh = source.height(l);
        int tx0 = Math.max(0, (int) Math.floor(-ox / s / TILE)), ty0 = Math.max(0, (int) Math.floor(-oy / s / TILE));
        int tx1 = Math.min(tiles[l][0].length - 1, (int) Math.floor((vw - ox) / s / TILE));
        int ty1 = Math.min(tiles[l].length - 1, (int) Math.floor((vh - oy) / s / TILE));
        for (int ty = ty0; ty <= ty1; ty++) {
            for (int tx = tx0; tx <= tx1; tx++) {
                int x = tx * TILE, y = ty * TILE;
                int w = Math.min(TILE, lw - x), h = Math.min(TILE, lh - y);
                WritableImage img = tile(l, tx, ty, w, h);
                double sx0 = Math.round(ox + x * s), sy0 = Math.round(oy + y * s);
                double sx1 = Math.round(ox + (x + w) * s), sy1 = Math.round(oy + (y + h) * s);
                gc.drawImage(img, sx0, sy0, sx1 - sx0, sy1 - sy0);
            }
        }
    }

    private WritableImage tile(int l, int tx, int ty, int w, int h) {
        WritableImage img = tiles[l][ty][tx];
        Rect region;
        if (img == null) {
            img = new WritableImage(w, h);
            tiles[l][ty][tx] = img;
            region = new Rect(tx * TILE, ty * TILE, w, h);
        } else {
            region = dirty[l][ty][tx];
            if (region == null) return img;
        }
        dirty[l][ty][tx] = null;
        int n = region.w() * region.h();
        if (scratch.length < n) scratch = new int[n];
        source.read(l, region.x(), region.y(), region.w(), region.h(), scratch);
        img.getPixelWriter().setPixels(region.x() - tx * TILE, region.y() - ty * TILE, region.w(), region.h(),
                PixelFormat.getIntArgbInstance(), scratch, 0, region.w());
        tilesRendered++;
        return img;
    }

    /** Tile (re)renders so far; lets tests check that frames reuse the cache. */
    public int tilesRendered() {
        return tilesRendered;
    }

    /** Forgets all tiles (e.g. the overlay colour changed). */
    public void invalidateAll() {
        invalidate(new Rect(0, 0, source.width(0), source.height(0)));
    }
}
