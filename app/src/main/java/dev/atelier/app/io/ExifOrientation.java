package dev.atelier.app.io;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the EXIF orientation tag (0x0112) from a JPEG's APP1 segment and applies it to decoded pixels.
 * Values 1..8 as in the EXIF 2.3 specification; 1 (or anything unreadable) means "as stored".
 */
public final class ExifOrientation {
    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {}

    /** Scans JPEG markers up to the first scan; returns 1 when there is no (valid) orientation. */
    public static int read(InputStream jpeg) throws IOException {
        DataInputStream in = new DataInputStream(jpeg);
        if (in.readUnsignedShort() != 0xFFD8) return 1;
        while (true) {
            int marker = in.readUnsignedShort();
            while (marker == 0xFFFF) marker = 0xFF00 | in.readUnsignedByte(); // fill bytes
            if ((marker & 0xFF00) != 0xFF00 || marker == 0xFFDA || marker == 0xFFD9) return 1;
            if (marker >= 0xFFD0 && marker <= 0xFFD7 || marker == 0xFF01) continue; // no length
            int length = in.readUnsignedShort();
            if (length < 2) return 1;
            byte[] body = new byte[length - 2];
            in.readFully(body);
            if (marker == 0xFFE1 && body.length > 14 && body[0] == 'E' && body[1] == 'x' && body[2] == 'i'
                    && body[3] == 'f' && body[4] == 0 && body[5] == 0) {
                int o = fromTiff(body, 6);
                if (o != 0) return o;
            }
        }
    }

    /** Parses the TIFF structure starting at {@code base}; returns 0 when the tag is absent or malformed. */
    static int fromTiff(byte[] b, int base) {
        if (base + 8 > b.length) return 0;
        boolean little;
        if (b[base] == 'I' && b[base + 1] == 'I') little = true;
        else if (b[base] == 'M' && b[base + 1] == 'M') little = false;
        else return 0;
        if (u16(b, base + 2, little) != 42) return 0;
        long ifd = u32(b, base + 4, little);
        int p = (int) (base + ifd);
        if (ifd < 8 || p + 2 > b.length) return 0;
        int count = u16(b, p, little);
        for (int i = 0; i < count; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > b.length) return 0;
            if (u16(b, e, little) == TAG_ORIENTATION) {
                int type = u16(b, e + 2, little);
                int v = type == 3 ? u16(b, e + 8, little) : type == 4 ? (int) u32(b, e + 8, little) : 0;
                return v >= 1 && v <= 8 ? v : 0;
            }
        }
        return 0;
    }

    private static int u16(byte[] b, int i, boolean little) {
        int a = b[i] & 0xff, c = b[i + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int i, boolean little) {
        long hi = u16(b, little ? i + 2 : i, little), lo = u16(b, little ? i : i + 2, little);
        return hi << 16 | lo;
    }

    /** Returns the image as it should be displayed for the given orientation (a new image unless 1). */
    public static BufferedImage apply(BufferedImage src, int orientation) {
        if (orientation <= 1 || orientation > 8) return src;
        int w = src.getWidth(), h = src.getHeight();
        boolean swap = orientation >= 5;
        int dw = swap ? h : w, dh = swap ? w : h;
        int[] in = src.getRGB(0, 0, w, h, null, 0, w);
        int[] out = new int[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int dx, dy;
                switch (orientation) {
                    case 2 -> { dx = w - 1 - x; dy = y; }
                    case 3 -> { dx = w - 1 - x; dy = h - 1 - y; }
                    case 4 -> { dx = x; dy = h - 1 - y; }
                    case 5 -> { dx = y; dy = x; }
                    case 6 -> { dx = h - 1 - y; dy = x; }
                    case 7 -> { dx = h - 1 - y; dy = w - 1 - x; }
                    default -> { dx = y; dy = w - 1 - x; } // 8
                }
                out[dy * dw + dx] = in[y * w + x];
            }
        }
        BufferedImage dst = new BufferedImage(dw, dh, BufferedImage.TYPE_INT_ARGB);
        dst.setRGB(0, 0, dw, dh, out, 0, dw);
        return dst;
    }
}
