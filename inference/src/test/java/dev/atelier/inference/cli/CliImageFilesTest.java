package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.LoraSpec;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.WebpXmp;
import dev.atelier.inference.api.WeightVariant;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's output files: WebP carries the parameters as the studio's export does, and stays lossless. */
class CliImageFilesTest {
    @TempDir
    Path dir;

    static final GenerationParameters PARAMS = new GenerationParameters(1, "0.1.0", "edit", "/models/qwen-edit",
            List.of("transformer/diffusion_pytorch_model.safetensors"), "draft", WeightVariant.AUTO,
            "把夹克换成红色皮革 \"quoted\" & <tag>", "blurry", 77L, 40, 4.0, 0.9, null,
            List.of(new LoraSpec("detail.safetensors", 0.5)), 7, 5, 14, 10, 1, true, "philox");

    static RgbImage noise(int w, int h) {
        Random r = new Random(3);
        int[] argb = new int[w * h];
        for (int i = 0; i < argb.length; i++) argb[i] = 0xFF000000 | r.nextInt();
        return new RgbImage(w, h, argb);
    }

    static String tag(byte[] b, int p) {
        return new String(b, p, 4, StandardCharsets.US_ASCII);
    }

    static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    @Test
    void webpOutputCarriesTheParametersLosslessly() throws Exception {
        RgbImage image = noise(7, 5);
        Path out = dir.resolve("result.webp");
        Files.writeString(out, "an older result, replaced"); // the rename goes over an existing file
        CliImageFiles.write(image, PARAMS, out);

        byte[] b = Files.readAllBytes(out);
        assertEquals(PARAMS, WebpXmp.readParameters(b));
        // the encoder's simple VP8L file, turned into the extended layout: VP8X (XMP flag, canvas) + VP8L + XMP
        assertEquals(b.length - 8, le32(b, 4), "RIFF size");
        assertEquals("VP8X", tag(b, 12));
        assertEquals(10, le32(b, 16));
        assertEquals(0x04, b[20], "XMP flag, no alpha");
        assertEquals(6, le32(b, 24) & 0xffffff, "width - 1");
        assertEquals(4, le32(b, 27) & 0xffffff, "height - 1");
        assertEquals("VP8L", tag(b, 30));
        int vp8l = le32(b, 34);
        int xmp = 30 + 8 + vp8l + (vp8l & 1);
        assertEquals("XMP ", tag(b, xmp));
        assertEquals(b.length, xmp + 8 + le32(b, xmp + 4) + (le32(b, xmp + 4) & 1), "XMP is the last chunk");

        BufferedImage back = ImageIO.read(out.toFile());
        assertArrayEquals(image.argb(), back.getRGB(0, 0, 7, 5, null, 0, 7), "lossless");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void withoutParametersTheWebpIsTheEncodersOwn() throws Exception {
        Path out = dir.resolve("plain.webp");
        CliImageFiles.write(noise(4, 4), null, out);
        byte[] b = Files.readAllBytes(out);
        assertEquals("VP8L", tag(b, 12));
        assertNull(WebpXmp.readXmp(b));
        assertEquals(4, ImageIO.read(out.toFile()).getWidth());
    }

    @Test
    void fileErrorsAreSaidInWords() {
        assertEquals("no such file or folder: /out/x.png",
                CliImageFiles.reason(new java.nio.file.NoSuchFileException("/out/x.png")));
        assertEquals("No space left on device: /out/x.png", CliImageFiles.reason(
                new java.nio.file.FileSystemException("/out/x.png", null, "No space left on device")));
        assertEquals("permission denied: /out/x.png",
                CliImageFiles.reason(new java.nio.file.AccessDeniedException("/out/x.png")));
    }
}
