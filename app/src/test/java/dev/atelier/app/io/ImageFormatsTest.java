package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.document.GenerationParameters;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFormatsTest {
    @TempDir Path dir;

    static final GenerationParameters PARAMS = new GenerationParameters("把天空换成晚霞 \"quoted\" <tag> & more\nline 2",
            "blurry, 低质量", 1234567890123L, "final", 28, 4.5, 0.8,
            List.of("diffusion_models/qwen_image_edit_2511_fp8.safetensors", "vae/qwen_image_vae.safetensors"));

    static BufferedImage noise(int w, int h, boolean alpha) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Random r = new Random(7);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (alpha ? r.nextInt() : 0xFF000000 | r.nextInt()));
        return img;
    }

    static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void pngItxtRoundTrip() throws IOException {
        BufferedImage img = noise(40, 30, true);
        Path f = dir.resolve("out.png");
        ImageExporter.export(img, f, ExportOptions.png(), PARAMS);
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("iTXt"));
        LoadedImage back = new ImageLoader().load(f);
        assertEquals(PARAMS, back.parameters());
        assertArrayEquals(pixels(img), pixels(back.image()));
        assertTrue(back.notes().isEmpty(), back.notes().toString());
    }

    @Test
    void webpLosslessRoundTripIsExactAndKeepsParameters() throws IOException {
        BufferedImage img = noise(33, 21, false);
        Path f = dir.resolve("out.webp");
        ImageExporter.export(img, f, ExportOptions.webp(1f, true), PARAMS);
        LoadedImage back = new ImageLoader().load(f);
        assertEquals(33, back.image().getWidth());
        assertArrayEquals(pixels(img), pixels(back.image()));
        assertEquals(PARAMS, back.parameters());
    }

    @Test
    void webpLossyWithQualityKeepsParameters() throws IOException {
        BufferedImage img = noise(64, 64, false);
        Path lo = dir.resolve("lo.webp"), hi = dir.resolve("hi.webp");
        ImageExporter.export(img, lo, ExportOptions.webp(0.2f, false), PARAMS);
        ImageExporter.export(img, hi, ExportOptions.webp(0.95f, false), null);
        assertTrue(Files.size(lo) < Files.size(hi), "quality changes the size");
        assertEquals(PARAMS, new ImageLoader().load(lo).parameters());
        assertNull(new ImageLoader().load(hi).parameters());
    }

    @Test
    void webpExportedBeforeTheSharedXmpCodeStillRecallsItsParameters() throws IOException {
        // Exported by the studio's own WebP/XMP code before it moved to the engine API (WebpXmp): PARAMS on a 6x4
        // lossless image. The bytes pin the format: the same encoder output must come out identical today.
        byte[] old;
        try (var in = ImageFormatsTest.class.getResourceAsStream("studio-export-before-shared-xmp.webp")) {
            old = in.readAllBytes();
        }
        Path f = Files.write(dir.resolve("old.webp"), old);
        LoadedImage back = new ImageLoader().load(f);
        assertEquals(PARAMS, back.parameters());
        assertEquals(6, back.image().getWidth());
        int vp8lSize = (old[34] & 0xff) | (old[35] & 0xff) << 8 | (old[36] & 0xff) << 16;
        byte[] vp8l = Arrays.copyOfRange(old, 30, 30 + 8 + vp8lSize + (vp8lSize & 1));
        byte[] simple = new byte[12 + vp8l.length];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, simple, 0, 4);
        int riffSize = simple.length - 8;
        simple[4] = (byte) riffSize;
        simple[5] = (byte) (riffSize >>> 8);
        System.arraycopy("WEBP".getBytes(StandardCharsets.US_ASCII), 0, simple, 8, 4);
        System.arraycopy(vp8l, 0, simple, 12, vp8l.length);
        assertArrayEquals(old, ParameterMetadata.addToWebp(simple, 6, 4, false, PARAMS));
    }

    @Test
    void webpWithADamagedParametersChunkStillOpens() throws IOException {
        byte[] plain = ImageExporter.encode(noise(12, 10, false), ExportOptions.webp(1f, true), null);
        Path f = Files.write(dir.resolve("odd.webp"), dev.atelier.inference.api.WebpXmp.withXmp(plain, 12, 10, false,
                dev.atelier.inference.api.WebpXmp.xmpPacket("{\"prompt\": 12, broken")));
        LoadedImage back = new ImageLoader().load(f);
        assertEquals(12, back.image().getWidth());
        assertNull(back.parameters());
    }

    @Test
    void jpegCommentRoundTrip() throws IOException {
        Path f = dir.resolve("out.jpg");
        ImageExporter.export(noise(32, 32, false), f, ExportOptions.jpeg(0.9f), PARAMS);
        assertEquals(PARAMS, new ImageLoader().load(f).parameters());
    }

    @Test
    void sixteenBitIsConvertedWithANote() throws IOException {
        BufferedImage g16 = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(3, 3, 0, 65535);
        Path f = dir.resolve("deep.png");
        ImageIO.write(g16, "png", f.toFile());
        LoadedImage li = new ImageLoader().load(f);
        assertEquals(BufferedImage.TYPE_INT_ARGB, li.image().getType());
        assertEquals(0xFFFFFFFF, li.image().getRGB(3, 3));
        assertTrue(li.notes().stream().anyMatch(n -> n.contains("deep.png") && n.contains("16 bits")), li.notes().toString());
    }

    @Test
    void tiffAndBmpOpen() throws IOException {
        BufferedImage img = noise(30, 20, false);
        for (String fmt : new String[] {"tiff", "bmp"}) {
            Path f = dir.resolve("in." + fmt);
            ImageIO.write(ImageExporter.opaque(img), fmt, f.toFile());
            assertArrayEquals(pixels(img), pixels(new ImageLoader().load(f).image()), fmt);
        }
    }

    @Test
    void oversizedWebpIsReducedEvenThoughItsDecoderIgnoresSubsampling() throws IOException {
        Path f = dir.resolve("wide.webp");
        ImageExporter.export(noise(2000, 1500, false), f, ExportOptions.webp(0.5f, false), null);
        LoadedImage li = new ImageLoader(1_000_000).load(f);
        assertEquals(1000, li.image().getWidth());
        assertEquals(750, li.image().getHeight());
        assertTrue(li.notes().getFirst().contains("wide.webp") && li.notes().getFirst().contains("1/2"), li.notes().toString());
    }

    @Test
    void emptyFileIsNamedAndExplained() throws IOException {
        Path f = Files.createFile(dir.resolve("empty.png"));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(f));
        assertTrue(e.getMessage().contains("empty.png") && e.getMessage().contains("0 bytes"), e.getMessage());
    }

    @Test
    void truncatedPngIsRefusedWithAMessage() throws IOException {
        Path full = dir.resolve("full.png");
        ImageIO.write(noise(200, 200, false), "png", full.toFile());
        byte[] b = Files.readAllBytes(full);
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(b, b.length / 2));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(cut));
        assertTrue(e.getMessage().contains("cut.png") && e.getMessage().contains("damaged or incomplete"), e.getMessage());
    }

    /** ImageIO decodes a truncated JPEG with grey rows and only a warning: it is refused, naming the file. */
    @Test
    void truncatedJpegIsRefusedNamingTheFile() throws IOException {
        Path full = dir.resolve("full.jpg");
        ImageIO.write(ImageExporter.opaque(noise(256, 256, false)), "jpeg", full.toFile());
        byte[] b = Files.readAllBytes(full);
        Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(b, b.length / 2));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(cut));
        assertTrue(e.getMessage().startsWith("cut.jpg is cut short (") && e.getMessage().contains("use a complete copy"),
                e.getMessage());
        assertTrue(new ImageLoader().load(full).notes().isEmpty(), "the complete file opens without a note");
    }

    @Test
    void truncatedWebpIsRefusedNamingTheFile() throws IOException {
        Path full = dir.resolve("full.webp");
        ImageExporter.export(noise(200, 200, false), full, ExportOptions.webp(0.8f, false), PARAMS);
        byte[] b = Files.readAllBytes(full);
        Path cut = Files.write(dir.resolve("cut.webp"), Arrays.copyOf(b, b.length / 2));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(cut));
        assertTrue(e.getMessage().startsWith("cut.webp is cut short (it has " + cut.toFile().length() + " of the "
                + b.length + " bytes") && e.getMessage().contains("use a complete copy"), e.getMessage());
        // cut inside the image data but with its header mended, the decoder itself fails: still a message, no trace
        byte[] mended = Arrays.copyOf(b, b.length / 2);
        int riff = mended.length - 8;
        mended[4] = (byte) riff; mended[5] = (byte) (riff >> 8); mended[6] = (byte) (riff >> 16); mended[7] = (byte) (riff >> 24);
        Path broken = Files.write(dir.resolve("broken.webp"), mended);
        UserFacingException d = assertThrows(UserFacingException.class, () -> new ImageLoader().load(broken));
        assertTrue(d.getMessage().startsWith("broken.webp is damaged or incomplete") && d.getMessage().contains("another copy"),
                d.getMessage());
    }

    @Test
    void notAnImage() throws IOException {
        Path f = Files.writeString(dir.resolve("notes.png"), "this is text, not a picture");
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(f));
        assertTrue(e.getMessage().contains("notes.png") && e.getMessage().contains("PNG, JPEG, WebP"), e.getMessage());
        UserFacingException missing = assertThrows(UserFacingException.class, () -> new ImageLoader().load(dir.resolve("nope.png")));
        assertTrue(missing.getMessage().contains("nope.png") && missing.getMessage().contains("not found"));
    }
}
