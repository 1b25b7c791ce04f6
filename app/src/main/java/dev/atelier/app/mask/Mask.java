package dev.atelier.app.mask;

import dev.atelier.app.document.Rect;

/** The inpaint mask: one byte per photo pixel, 0 = keep, 255 = repaint. Row-major, no padding. */
public final class Mask {
    private final int width;
    private final int height;
    private final byte[] data;

    public Mask(int width, int height) {
        this(width, height, new byte[Math.multiplyExact(width, height)]);
    }

    public Mask(int width, int height, byte[] data) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("mask size must be positive: " + width + "x" + height);
        if (data.length != (long) width * height) {
            throw new IllegalArgumentException("mask data has " + data.length + " bytes, expected " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The live pixel array (callers that change it must report the change through the document). */
    public byte[] data() {
        return data;
    }

    public Rect bounds() {
        return new Rect(0, 0, width, height);
    }

    public int get(int x, int y) {
        return data[y * width + x] & 0xff;
    }

    public void set(int x, int y, int value) {
        data[y * width + x] = (byte) value;
    }

    /** Copies the pixels of {@code r} (already clipped) into a new array. */
    public byte[] copyRegion(Rect r) {
        byte[] out = new byte[r.w() * r.h()];
        for (int row = 0; row < r.h(); row++) {
            System.arraycopy(data, (r.y() + row) * width + r.x(), out, row * r.w(), r.w());
        }
        return out;
    }

    public void pasteRegion(Rect r, byte[] pixels) {
        for (int row = 0; row < r.h(); row++) {
            System.arraycopy(pixels, row * r.w(), data, (r.y() + row) * width + r.x(), r.w());
        }
    }

    public boolean isEmpty() {
        for (byte b : data) if (b != 0) return false;
        return true;
    }

    public Mask copy() {
        return new Mask(width, height, data.clone());
    }
}
