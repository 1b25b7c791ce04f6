package dev.atelier.app.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Adds and reads an XMP chunk in a WebP RIFF container (the encoder writes none). A simple-format file (one VP8 or
 * VP8L chunk) is turned into the extended format with a VP8X header, as the WebP container specification requires
 * for metadata chunks.
 */
final class WebpContainer {
    private static final int FLAG_ALPHA = 0x10;
    private static final int FLAG_XMP = 0x04;

    private WebpContainer() {}

    static boolean isWebp(byte[] b) {
        return b.length >= 12 && tag(b, 0).equals("RIFF") && tag(b, 8).equals("WEBP");
    }

    static byte[] withXmp(byte[] webp, int width, int height, boolean alpha, String xmp) {
        if (!isWebp(webp)) throw new IllegalArgumentException("encoder output is not a WebP RIFF file");
        byte[] xmpBytes = xmp.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream(webp.length + xmpBytes.length + 64);
        body.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        int p = 12;
        boolean extended = tag(webp, p).equals("VP8X");
        if (extended) {
            int size = le32(webp, p + 4);
            byte[] vp8x = java.util.Arrays.copyOfRange(webp, p + 8, p + 8 + size);
            vp8x[0] |= FLAG_XMP;
            chunk(body, "VP8X", vp8x);
            p += 8 + size + (size & 1);
        } else {
            byte[] vp8x = new byte[10];
            vp8x[0] = (byte) (FLAG_XMP | (alpha ? FLAG_ALPHA : 0));
            le24(vp8x, 4, width - 1);
            le24(vp8x, 7, height - 1);
            chunk(body, "VP8X", vp8x);
        }
        while (p + 8 <= webp.length) {
            String t = tag(webp, p);
            int size = le32(webp, p + 4);
            int total = 8 + size + (size & 1);
            if (!t.equals("XMP ")) body.write(webp, p, Math.min(total, webp.length - p));
            p += total;
        }
        chunk(body, "XMP ", xmpBytes);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 8);
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        byte[] len = new byte[4];
        le32(len, 0, b.length);
        out.writeBytes(len);
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** The XMP chunk's text, or null. */
    static String readXmp(byte[] webp) {
        if (!isWebp(webp)) return null;
        int p = 12;
        while (p + 8 <= webp.length) {
            String t = tag(webp, p);
            int size = le32(webp, p + 4);
            if (size < 0 || p + 8L + size > webp.length) return null;
            if (t.equals("XMP ")) return new String(webp, p + 8, size, StandardCharsets.UTF_8);
            p += 8 + size + (size & 1);
        }
        return null;
    }

    private static void chunk(ByteArrayOutputStream out, String tag, byte[] data) {
        out.writeBytes(tag.getBytes(StandardCharsets.US_ASCII));
        byte[] len = new byte[4];
        le32(len, 0, data.length);
        out.writeBytes(len);
        out.writeBytes(data);
        if ((data.length & 1) == 1) out.write(0);
    }

    private static String tag(byte[] b, int p) {
        return p + 4 <= b.length ? new String(b, p, 4, StandardCharsets.US_ASCII) : "";
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    private static void le32(byte[] b, int p, int v) {
        le24(b, p, v);
        b[p + 3] = (byte) (v >>> 24);
    }

    private static void le24(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >>> 8);
        b[p + 2] = (byte) (v >>> 16);
    }
}
