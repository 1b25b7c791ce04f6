package dev.atelier.inference.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WebP container and XMP packet shared by the CLI's output and the studio's export, on hand-built files. */
class WebpXmpTest {
    static final GenerationParameters PARAMS = new GenerationParameters(1, "0.1.0", "generate", "/models/qwen-image",
            List.of("transformer/diffusion_pytorch_model.safetensors"), "draft", WeightVariant.FP8,
            "一只小猫 \"quoted\" <tag> & more\nline 2", "blurry", 77L, 20, 4.0, null, 3.0,
            List.of(new LoraSpec("detail.safetensors", 0.75)), 1024, 768, null, null, 0, false, "philox");

    /** One parsed chunk: its tag, where its payload starts and the payload. */
    record Chunk(String tag, int offset, byte[] data) {}

    static byte[] chunk(String tag, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(tag.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(le32(data.length));
        out.writeBytes(data);
        if ((data.length & 1) == 1) out.write(0);
        return out.toByteArray();
    }

    static byte[] riff(byte[]... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        for (byte[] c : chunks) body.writeBytes(c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(le32(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    static int le24(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16;
    }

    /** Parses a complete file strictly: RIFF size, chunk sizes and padding must all add up. */
    static List<Chunk> chunks(byte[] webp) {
        assertTrue(WebpXmp.isWebp(webp));
        assertEquals(webp.length - 8, le24(webp, 4) | (webp[7] & 0xff) << 24, "RIFF size");
        List<Chunk> out = new ArrayList<>();
        int p = 12;
        while (p < webp.length) {
            String tag = new String(webp, p, 4, StandardCharsets.US_ASCII);
            int size = le24(webp, p + 4) | (webp[p + 7] & 0xff) << 24;
            out.add(new Chunk(tag, p + 8, Arrays.copyOfRange(webp, p + 8, p + 8 + size)));
            p += 8 + size + (size & 1);
        }
        assertEquals(webp.length, p, "chunks end where the file ends");
        return out;
    }

    static List<String> tags(byte[] webp) {
        return chunks(webp).stream().map(Chunk::tag).toList();
    }

    static final byte[] VP8L_PAYLOAD = {0x2f, 1, 2, 3, 4}; // odd size: the chunk carries a pad byte

    @Test
    void aSimpleVp8lFileBecomesExtendedWithTheXmpFlag() {
        byte[] simple = riff(chunk("VP8L", VP8L_PAYLOAD));
        byte[] out = WebpXmp.withXmp(simple, 300, 200, false, "<x>猫</x>");
        List<Chunk> c = chunks(out);
        assertEquals(List.of("VP8X", "VP8L", "XMP "), c.stream().map(Chunk::tag).toList());
        byte[] vp8x = c.get(0).data();
        assertEquals(10, vp8x.length);
        assertEquals(0x04, vp8x[0], "XMP flag only (no alpha)");
        assertEquals(299, le24(vp8x, 4), "canvas width - 1");
        assertEquals(199, le24(vp8x, 7), "canvas height - 1");
        assertArrayEquals(VP8L_PAYLOAD, c.get(1).data(), "the image data is copied as is");
        assertEquals("<x>猫</x>", new String(c.get(2).data(), StandardCharsets.UTF_8));
        assertEquals("<x>猫</x>", WebpXmp.readXmp(out));

        byte[] withAlpha = WebpXmp.withXmp(riff(chunk("VP8 ", new byte[] {9, 8, 7, 6})), 1, 1, true, "x");
        assertEquals(0x14, chunks(withAlpha).get(0).data()[0], "XMP and alpha flags");
    }

    @Test
    void anExtendedFileKeepsItsHeaderAndItsXmpIsReplacedNotRepeated() {
        byte[] vp8x = new byte[10];
        vp8x[0] = 0x18; // alpha + EXIF
        byte[] exif = {'M', 'M', 0, 42, 0};
        byte[] unknown = chunk("?nk ", new byte[] {7, 7, 7});
        unknown[0] = (byte) 0xE9; // a chunk this code does not know, with a non-ASCII tag: copied byte for byte
        byte[] old = WebpXmp.withXmp(riff(chunk("VP8X", vp8x), chunk("ALPH", new byte[] {1, 2, 3}),
                chunk("VP8 ", new byte[] {4, 5}), chunk("EXIF", exif), unknown), 99, 99, false, "old");
        byte[] out = WebpXmp.withXmp(old, 99, 99, false, "new");
        List<Chunk> c = chunks(out);
        assertEquals(List.of("VP8X", "ALPH", "VP8 ", "EXIF", "\uFFFDnk ", "XMP "), c.stream().map(Chunk::tag).toList());
        assertEquals(0x1C, c.get(0).data()[0], "alpha + EXIF kept, XMP added");
        assertEquals(0, le24(c.get(0).data(), 4), "the file's own canvas size, not the arguments");
        assertArrayEquals(exif, c.get(3).data());
        assertArrayEquals(unknown, Arrays.copyOfRange(out, c.get(4).offset() - 8, c.get(4).offset() - 8 + unknown.length));
        assertEquals("new", WebpXmp.readXmp(out));
    }

    @Test
    void theParametersRoundTrip() {
        byte[] out = WebpXmp.withParameters(riff(chunk("VP8L", VP8L_PAYLOAD)), 1024, 768, false, PARAMS);
        assertEquals(PARAMS, WebpXmp.readParameters(out));
        assertEquals(PARAMS.toJson(), WebpXmp.jsonFromXmp(WebpXmp.readXmp(out)));
        assertNull(WebpXmp.readParameters(riff(chunk("VP8L", VP8L_PAYLOAD))), "no XMP chunk: no parameters");
        assertNull(WebpXmp.readParameters(WebpXmp.withXmp(riff(chunk("VP8L", VP8L_PAYLOAD)), 1, 1, false,
                "<x:xmpmeta>someone else's metadata</x:xmpmeta>")));
    }

    @Test
    void thePacketIsTheOneOlderFilesCarry() {
        // Written by the studio since its first WebP export: the attribute name and namespace are a file format.
        String json = "{\"prompt\":\"a \\\"red\\\" <hat> & 猫\",\"seed\":7}";
        String expected = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
                + "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" "
                + "xmlns:atelier=\"https://atelier.dev/ns/1.0/\" atelier-parameters=\"{&quot;prompt&quot;:&quot;a "
                + "\\&quot;red\\&quot; &lt;hat&gt; &amp; 猫&quot;,&quot;seed&quot;:7}\"/></rdf:RDF></x:xmpmeta>"
                + "<?xpacket end=\"w\"?>";
        assertEquals(expected, WebpXmp.xmpPacket(json));
        assertEquals(json, WebpXmp.jsonFromXmp(expected));
        assertNull(WebpXmp.jsonFromXmp(null));
        assertNull(WebpXmp.jsonFromXmp("atelier-parameters=\"{unterminated"));
    }

    @Test
    void truncatedOrCorruptFilesReadAsNullNeverThrow() {
        byte[] good = WebpXmp.withParameters(riff(chunk("VP8L", VP8L_PAYLOAD)), 8, 8, false, PARAMS);
        int xmpEnd = chunks(good).get(2).offset() + chunks(good).get(2).data().length;
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            if (n < xmpEnd) {
                assertNull(WebpXmp.readXmp(cut), "cut at " + n);
                assertNull(WebpXmp.readParameters(cut), "cut at " + n);
            } else {
                assertEquals(PARAMS, WebpXmp.readParameters(cut), "only the pad byte is missing at " + n);
            }
        }
        for (int size : new int[] {-1, -8, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 20}) {
            byte[] bad = good.clone();
            System.arraycopy(le32(size), 0, bad, 16, 4); // the VP8X chunk's size
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertNull(WebpXmp.readXmp(bad), "size " + size));
        }
        byte[] notWebp = good.clone();
        notWebp[8] = 'X';
        assertFalse(WebpXmp.isWebp(notWebp));
        assertNull(WebpXmp.readXmp(notWebp));
        assertNull(WebpXmp.readXmp(new byte[0]));
        assertNull(WebpXmp.readXmp(null));
        assertNull(WebpXmp.readParameters("RIFF\0\0\0\0WEBP".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aChunkWhoseTextIsNotParametersIsNamedInTheMessage() {
        byte[] out = WebpXmp.withXmp(riff(chunk("VP8L", VP8L_PAYLOAD)), 1, 1, false, WebpXmp.xmpPacket("{not json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebpXmp.readParameters(out));
        assertTrue(e.getMessage().startsWith("generation parameters:"), e.getMessage());
    }

    @Test
    void damagedEncoderOutputIsRefusedWithAMessage() {
        byte[] simple = riff(chunk("VP8L", VP8L_PAYLOAD));
        IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                () -> WebpXmp.withXmp(Arrays.copyOf(simple, simple.length - 3), 1, 1, false, "x"));
        assertTrue(cut.getMessage().contains("VP8L") && cut.getMessage().contains("truncated"), cut.getMessage());
        for (int size : new int[] {-1, -8, Integer.MIN_VALUE}) {
            byte[] bad = simple.clone();
            System.arraycopy(le32(size), 0, bad, 16, 4);
            assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(IllegalArgumentException.class, () -> WebpXmp.withXmp(bad, 1, 1, false, "x")));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WebpXmp.withXmp(new byte[20], 1, 1, false, "x"))
                .getMessage().contains("not a WebP"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> WebpXmp.withXmp(riff(chunk("ICCP", new byte[4])), 1, 1, false, "x")).getMessage().contains("ICCP"));
        assertThrows(IllegalArgumentException.class, () -> WebpXmp.withXmp(riff(chunk("VP8X", new byte[4])), 1, 1, false, "x"));
        assertThrows(IllegalArgumentException.class, () -> WebpXmp.withXmp(riff(), 1, 1, false, "x"));
        assertThrows(IllegalArgumentException.class, () -> WebpXmp.withXmp(simple, 0, 1, false, "x"));
    }
}
