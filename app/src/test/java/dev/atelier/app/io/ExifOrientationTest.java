package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExifOrientationTest {
    @TempDir Path dir;

    /** A JPEG with an EXIF APP1 segment (TIFF header, IFD0 with one orientation entry) inserted after SOI. */
    static byte[] jpegWithOrientation(BufferedImage img, int orientation, boolean bigEndian) throws IOException {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", jpeg);
        byte[] j = jpeg.toByteArray();
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        if (bigEndian) {
            tiff.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                    0, (byte) orientation, 0, 0, 0, 0, 0, 0});
        } else {
            tiff.writeBytes(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                    (byte) orientation, 0, 0, 0, 0, 0, 0, 0});
        }
        byte[] body = tiff.toByteArray();
        int len = 2 + 6 + body.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(body);
        out.write(j, 2, j.length - 2);
        return out.toByteArray();
    }

    @Test
    void readsTheTagInBothByteOrders() throws IOException {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int o = 1; o <= 8; o++) {
            assertEquals(o, ExifOrientation.read(new ByteArrayInputStream(jpegWithOrientation(img, o, false))));
            assertEquals(o, ExifOrientation.read(new ByteArrayInputStream(jpegWithOrientation(img, o, true))));
        }
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", plain);
        assertEquals(1, ExifOrientation.read(new ByteArrayInputStream(plain.toByteArray())));
        assertEquals(1, ExifOrientation.read(new ByteArrayInputStream(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0})));
    }

    @Test
    void appliesAllEightOrientations() {
        // 3x2 source:  a b c / d e f
        BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        int[] v = {1, 2, 3, 4, 5, 6};
        for (int i = 0; i < 6; i++) src.setRGB(i % 3, i / 3, 0xFF000000 | v[i]);
        assertGrid(ExifOrientation.apply(src, 1), 3, "1 2 3 4 5 6");
        assertGrid(ExifOrientation.apply(src, 2), 3, "3 2 1 6 5 4");
        assertGrid(ExifOrientation.apply(src, 3), 3, "6 5 4 3 2 1");
        assertGrid(ExifOrientation.apply(src, 4), 3, "4 5 6 1 2 3");
        assertGrid(ExifOrientation.apply(src, 5), 2, "1 4 2 5 3 6");
        assertGrid(ExifOrientation.apply(src, 6), 2, "4 1 5 2 6 3");
        assertGrid(ExifOrientation.apply(src, 7), 2, "6 3 5 2 4 1");
        assertGrid(ExifOrientation.apply(src, 8), 2, "3 6 2 5 1 4");
    }

    private static void assertGrid(BufferedImage img, int width, String expected) {
        assertEquals(width, img.getWidth());
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) sb.append(sb.isEmpty() ? "" : " ").append(img.getRGB(x, y) & 0xff);
        }
        assertEquals(expected, sb.toString());
    }

    @Test
    void loaderHonoursOrientation() throws IOException {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, x < 32 ? 0xFF0000 : 0x0000FF);
        Path f = dir.resolve("phone.jpg");
        Files.write(f, jpegWithOrientation(img, 6, false));
        BufferedImage loaded = new ImageLoader().load(f).image();
        assertEquals(32, loaded.getWidth());
        assertEquals(64, loaded.getHeight());
        int top = loaded.getRGB(16, 8), bottom = loaded.getRGB(16, 56);
        assertTrue((top >> 16 & 0xff) > 200 && (top & 0xff) < 60, "the left (red) half is on top after rotating 90° CW");
        assertTrue((bottom & 0xff) > 200 && (bottom >> 16 & 0xff) < 60, "the right (blue) half is at the bottom");
    }
}
