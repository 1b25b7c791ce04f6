package dev.atelier.inference.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The generation parameters in a WebP file, shared by the CLI and the studio: an XMP chunk in the RIFF container
 * (the encoder writes none) whose packet carries the parameters' JSON in the attribute
 * {@value GenerationParameters#METADATA_KEY}. A simple-format file (one VP8 or VP8L chunk) is turned into the
 * extended format with a VP8X header, as the WebP container specification requires for metadata chunks. Plain bytes
 * only (no image types), so the engine API stays free of UI toolkits; the JSON level ({@link #xmpPacket(String)},
 * {@link #jsonFromXmp(String)}) serves any record with the same JSON, such as the studio's own.
 *
 * <pre>{@code
 * byte[] file = WebpXmp.withParameters(encoded, width, height, hasAlpha, parameters);
 * GenerationParameters back = WebpXmp.readParameters(file);   // null: none, or a damaged container
 * }</pre>
 */
public final class WebpXmp {
    private static final int FLAG_ALPHA = 0x10;
    private static final int FLAG_XMP = 0x04;
    private static final int VP8X_SIZE = 10;
    private static final int MAX_DIMENSION = 1 << 24; // VP8X stores width-1 and height-1 in 24 bits
    private static final String ATTRIBUTE = GenerationParameters.METADATA_KEY + "=\"";

    private WebpXmp() {}

    /** Whether {@code b} starts with a WebP RIFF header. */
    public static boolean isWebp(byte[] b) {
        return b != null && b.length >= 12 && tag(b, 0).equals("RIFF") && tag(b, 8).equals("WEBP");
    }

    /** {@code webp} with the parameters' XMP chunk (see {@link #withXmp}). */
    public static byte[] withParameters(byte[] webp, int width, int height, boolean alpha, GenerationParameters p) {
        return withXmp(webp, width, height, alpha, xmpPacket(p.toJson()));
    }

    /**
     * The parameters in the file's XMP chunk, or null when it has none, is not a WebP file or its container is
     * damaged (truncated, a chunk size past the end).
     *
     * @throws IllegalArgumentException naming the problem when the chunk holds text that is not a parameters
     *         record ({@link GenerationParameters#fromJson})
     */
    public static GenerationParameters readParameters(byte[] webp) {
        String json = jsonFromXmp(readXmp(webp));
        return json == null ? null : GenerationParameters.fromJson(json);
    }

    /**
     * A copy of {@code webp} (encoder output) with {@code xmp} as its XMP chunk, replacing any it had, in the
     * extended format. {@code width}, {@code height} and {@code alpha} describe the image for the VP8X header that
     * a simple-format file needs; an extended file keeps its own header, with the XMP flag set.
     *
     * @throws IllegalArgumentException when {@code webp} is not a well-formed WebP RIFF file
     */
    public static byte[] withXmp(byte[] webp, int width, int height, boolean alpha, String xmp) {
        if (!isWebp(webp)) throw new IllegalArgumentException("WebP: not a WebP RIFF file (no RIFF/WEBP header)");
        byte[] xmpBytes = xmp.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream(webp.length + xmpBytes.length + 64);
        body.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        boolean first = true;
        for (int p = 12; p + 8 <= webp.length; ) {
            String t = tag(webp, p);
            long size = size(webp, p);
            if (p + 8L + size > webp.length) {
                throw new IllegalArgumentException("WebP: chunk '" + t + "' at byte " + p + " declares " + size
                        + " bytes but the file ends after " + (webp.length - p - 8) + " (truncated or damaged)");
            }
            byte[] data = Arrays.copyOfRange(webp, p + 8, p + 8 + (int) size);
            if (first) {
                first = false;
                if (t.equals("VP8X")) {
                    if (size < VP8X_SIZE) throw new IllegalArgumentException("WebP: VP8X header of " + size + " bytes; expected " + VP8X_SIZE);
                    data[0] |= FLAG_XMP;
                } else if (t.equals("VP8 ") || t.equals("VP8L")) {
                    chunk(body, "VP8X", vp8x(width, height, alpha));
                } else {
                    throw new IllegalArgumentException("WebP: first chunk is '" + t + "'; expected VP8, VP8L or VP8X");
                }
            }
            if (!t.equals("XMP ")) chunk(body, Arrays.copyOfRange(webp, p, p + 4), data); // re-padded if the last pad byte is missing
            p = next(webp, p, size);
        }
        if (first) throw new IllegalArgumentException("WebP: the file has no image chunk");
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

    /** The text of the file's XMP chunk, or null when there is none or the container is not a readable WebP file. */
    public static String readXmp(byte[] webp) {
        if (!isWebp(webp)) return null;
        for (int p = 12; p + 8 <= webp.length; ) {
            long size = size(webp, p);
            if (p + 8L + size > webp.length) return null;
            if (tag(webp, p).equals("XMP ")) return new String(webp, p + 8, (int) size, StandardCharsets.UTF_8);
            p = next(webp, p, size);
        }
        return null;
    }

    /**
     * An XMP packet carrying {@code json} (a parameters record) in the attribute
     * {@value GenerationParameters#METADATA_KEY}. The layout is a file-format contract: files exported since the
     * first WebP export are read by {@link #jsonFromXmp(String)}, so change neither the name nor the namespace.
     */
    public static String xmpPacket(String json) {
        return "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
                + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                + "<rdf:Description rdf:about=\"\" xmlns:atelier=\"https://atelier.dev/ns/1.0/\" "
                + ATTRIBUTE + xmlEscape(json) + "\"/></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
    }

    /** The parameters' JSON in an XMP packet written by {@link #xmpPacket(String)}, or null (none, or no packet). */
    public static String jsonFromXmp(String xmp) {
        if (xmp == null) return null;
        int start = xmp.indexOf(ATTRIBUTE);
        if (start < 0) return null;
        start += ATTRIBUTE.length();
        int end = xmp.indexOf('"', start);
        if (end < 0) return null;
        return xmlUnescape(xmp.substring(start, end));
    }

    private static byte[] vp8x(int width, int height, boolean alpha) {
        if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
            throw new IllegalArgumentException("WebP: image size " + width + "x" + height + " does not fit a VP8X header");
        }
        byte[] vp8x = new byte[VP8X_SIZE];
        vp8x[0] = (byte) (FLAG_XMP | (alpha ? FLAG_ALPHA : 0));
        le24(vp8x, 4, width - 1);
        le24(vp8x, 7, height - 1);
        return vp8x;
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String xmlUnescape(String s) {
        return s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&amp;", "&");
    }

    private static void chunk(ByteArrayOutputStream out, String tag, byte[] data) {
        chunk(out, tag.getBytes(StandardCharsets.US_ASCII), data);
    }

    private static void chunk(ByteArrayOutputStream out, byte[] tag, byte[] data) {
        out.writeBytes(tag);
        byte[] len = new byte[4];
        le32(len, 0, data.length);
        out.writeBytes(len);
        out.writeBytes(data);
        if ((data.length & 1) == 1) out.write(0);
    }

    private static String tag(byte[] b, int p) {
        return p + 4 <= b.length ? new String(b, p, 4, StandardCharsets.US_ASCII) : "";
    }

    /** The chunk size at {@code p + 4}, unsigned. */
    /** The file length the RIFF header of {@code head} (a WebP file's first 8 bytes or more) declares. */
    static long declaredLength(byte[] head) {
        return size(head, 0) + 8;
    }

    private static long size(byte[] b, int p) {
        return (b[p + 4] & 0xffL) | (b[p + 5] & 0xffL) << 8 | (b[p + 6] & 0xffL) << 16 | (b[p + 7] & 0xffL) << 24;
    }

    /** Where the chunk after the one at {@code p} starts (chunks are padded to even sizes), at most the end. */
    private static int next(byte[] b, int p, long size) {
        return (int) Math.min(p + 8L + size + (size & 1), b.length);
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
