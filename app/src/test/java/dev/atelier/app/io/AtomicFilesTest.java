package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atelier.app.document.GenerationParameters;
import java.awt.image.BufferedImage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class AtomicFilesTest {
    @TempDir Path dir;

    @AfterEach
    void reset() {
        AtomicFiles.setStreamWrapperForTests(null);
    }

    /** Simulates a disk that fills up after {@code limit} bytes. */
    public static final class FullDisk extends FilterOutputStream {
        private long left;

        public FullDisk(OutputStream out, long limit) {
            super(out);
            left = limit;
        }

        @Override public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            if (len > left) throw new IOException("No space left on device");
            left -= len;
            out.write(b, off, len);
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path f = dir.resolve("a.bin");
        AtomicFiles.write(f, out -> out.write(new byte[] {1, 2, 3}));
        AtomicFiles.write(f, out -> out.write(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(f));
        assertEquals(1, listing().length, "no temporary files left behind");
    }

    @Test
    void fullDiskDuringExportKeepsTheOldFileAndSaysWhatToDo() throws IOException {
        Path f = dir.resolve("photo.png");
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        ImageExporter.export(img, f, ExportOptions.png(), GenerationParameters.empty());
        byte[] before = Files.readAllBytes(f);
        AtomicFiles.setStreamWrapperForTests(out -> new FullDisk(out, 10));
        for (int x = 0; x < 64; x++) img.setRGB(x, x, 0xFFFF0000);
        UserFacingException e = assertThrows(UserFacingException.class,
                () -> ImageExporter.export(img, f, ExportOptions.png(), GenerationParameters.empty()));
        assertTrue(e.getMessage().contains("photo.png"), e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertTrue(e.getMessage().contains("previous photo.png is unchanged"), e.getMessage());
        assertTrue(e.getMessage().contains("Free some disk space"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(1, listing().length, "the temporary file is removed");
    }

    @Test
    void writerExceptionLeavesNoFile() {
        Path f = dir.resolve("new.atelier");
        assertThrows(UserFacingException.class, () -> AtomicFiles.write(f, out -> {
            out.write(1);
            throw new IOException("encoder broke");
        }));
        assertEquals(0, listing().length);
    }

    @Test
    void folderThatCannotBeCreated() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        UserFacingException e = assertThrows(UserFacingException.class,
                () -> AtomicFiles.write(notADir.resolve("out.png"), out -> out.write(1)));
        assertTrue(e.getMessage().contains("out.png") && e.getMessage().contains("Choose another folder"), e.getMessage());
    }

    @Test
    void readOnlyFolder() throws IOException {
        Path ro;
        if ("root".equals(System.getProperty("user.name"))) {
            ro = Path.of("/sys"); // root ignores permission bits; sysfs refuses new files even for root
            assumeTrue(Files.isDirectory(ro), "needs a folder root cannot write to");
        } else {
            ro = Files.createDirectory(dir.resolve("ro"));
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            UserFacingException e = assertThrows(UserFacingException.class,
                    () -> AtomicFiles.write(ro.resolve("out.png"), out -> out.write(1)));
            assertTrue(e.getMessage().contains("out.png") && e.getMessage().contains("read-only")
                    && e.getMessage().contains("Choose another folder"), e.getMessage());
        } finally {
            if (ro.startsWith(dir)) Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private Path[] listing() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toArray(Path[]::new);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
