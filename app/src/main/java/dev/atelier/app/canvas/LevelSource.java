package dev.atelier.app.canvas;

/** Pixels of an image at mip levels (level L is 2^L times smaller), read as non-premultiplied ARGB. */
public interface LevelSource {
    int levels();

    int width(int level);

    int height(int level);

    /** Reads the rectangle (in level coordinates, inside the level) into {@code dst}, row stride {@code w}. */
    void read(int level, int x, int y, int w, int h, int[] dst);
}
