package dev.atelier.app.mask;

import dev.atelier.app.document.Rect;
import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Before/after pixels of a mask region, kept deflated: masks are mostly flat, so a full-mask edit on a
 * 6000x4000 photo costs kilobytes of undo memory, not 2 x 24 MB.
 */
public final class MaskEdit {
    private final String label;
    private final Rect region;
    private final byte[] before;
    private final byte[] after;
    private final int rawLength;

    public MaskEdit(String label, Rect region, byte[] before, byte[] after) {
        this.label = label;
        this.region = region;
        this.rawLength = before.length;
        this.before = deflate(before);
        this.after = deflate(after);
    }

    public String label() {
        return label;
    }

    public Rect region() {
        return region;
    }

    public long bytes() {
        return before.length + after.length + 64L;
    }

    public void applyBefore(Mask m) {
        m.pasteRegion(region, inflate(before, rawLength));
    }

    public void applyAfter(Mask m) {
        m.pasteRegion(region, inflate(after, rawLength));
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 16));
            byte[] buf = new byte[64 * 1024];
            while (!d.finished()) out.write(buf, 0, d.deflate(buf));
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] packed, int length) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(packed);
            byte[] out = new byte[length];
            int n = 0;
            while (n < length && !inf.finished()) n += inf.inflate(out, n, length - n);
            if (n != length) throw new IllegalStateException("undo data inflated to " + n + " bytes, expected " + length);
            return out;
        } catch (DataFormatException e) {
            throw new IllegalStateException("undo data is corrupt", e);
        } finally {
            inf.end();
        }
    }
}
