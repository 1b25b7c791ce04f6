package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CmykJpegTest {
    @TempDir Path dir;

    @Test
    void cmykJpegIsConvertedWithANote() throws IOException {
        // Adobe-style CMYK (inverted ink values, as Photoshop writes them): cyan on the left half, no ink on the right.
        WritableRaster r = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 64, 32, 4, null);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) r.setPixel(x, y, x < 32 ? new int[] {0, 255, 255, 255} : new int[] {255, 255, 255, 255});
        Path f = dir.resolve("print.jpg");
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(f.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(r, null, null), null);
        } finally {
            w.dispose();
        }
        LoadedImage li = new ImageLoader().load(f);
        String notes = String.join(" ", li.notes());
        assertTrue(notes.contains("print.jpg") && notes.contains("CMYK"), notes);
        int left = li.image().getRGB(8, 16), right = li.image().getRGB(56, 16);
        assertTrue((left >> 16 & 0xff) < 80 && (left & 0xff) > 180, "cyan on the left: " + Integer.toHexString(left));
        assertTrue((right >> 16 & 0xff) > 180 && (right >> 8 & 0xff) > 180, "white on the right: " + Integer.toHexString(right));
    }
}
