package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 40 000 x 40 000 PNG must never reach a full-size decode (6.4 GB as ARGB). */
class BigImageTest {
    @TempDir Path dir;

    /** A valid 1-bit greyscale PNG of the given size (all black but one white row band); compresses to ~200 KB. */
    static void writeBilevelPng(Path file, int w, int h, boolean truncateData) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_SPEED), 1 << 16)) {
            byte[] row = new byte[1 + (w + 7) / 8];
            byte[] white = row.clone();
            java.util.Arrays.fill(white, 1, white.length, (byte) 0xFF);
            for (int y = 0; y < h; y++) z.write(y >= h / 2 && y < h / 2 + 64 ? white : row);
        }
        byte[] data = idat.toByteArray();
        if (truncateData) data = java.util.Arrays.copyOf(data, data.length / 3);
        try (OutputStream out = Files.newOutputStream(file); DataOutputStream d = new DataOutputStream(out)) {
            d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h2 = new DataOutputStream(ihdr);
            h2.writeInt(w);
            h2.writeInt(h);
            h2.write(new byte[] {1, 0, 0, 0, 0}); // bit depth 1, greyscale
            chunk(d, "IHDR", ihdr.toByteArray());
            chunk(d, "IDAT", data);
            if (!truncateData) chunk(d, "IEND", new byte[0]);
        }
    }

    private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
        d.writeInt(data.length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    @Test
    void hugePngIsSubsampledWithAMessage() throws IOException {
        Path f = dir.resolve("huge.png");
        writeBilevelPng(f, 40_000, 40_000, false);
        LoadedImage li = new ImageLoader().load(f);
        long pixels = (long) li.image().getWidth() * li.image().getHeight();
        assertTrue(pixels <= ImageLoader.DEFAULT_MAX_PIXELS, "decoded " + pixels + " pixels");
        assertTrue(li.image().getWidth() >= 4000, "subsampled, not thumbnailed: " + li.image().getWidth());
        String note = String.join(" ", li.notes());
        assertTrue(note.contains("huge.png") && note.contains("40000x40000") && note.contains("opened at 1/"), note);
        int band = (int) ((20_000L + 32) * li.image().getHeight() / 40_000);
        assertEquals(0xFFFFFFFF, li.image().getRGB(10, band), "the white band survives subsampling");
        assertEquals(0xFF000000, li.image().getRGB(10, 5));
    }

    @Test
    void hugeTruncatedPngFailsWithAMessageNotOutOfMemory() throws IOException {
        Path f = dir.resolve("huge-cut.png");
        writeBilevelPng(f, 40_000, 40_000, true);
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ImageLoader().load(f));
        assertTrue(e.getMessage().contains("huge-cut.png"), e.getMessage());
    }
}
