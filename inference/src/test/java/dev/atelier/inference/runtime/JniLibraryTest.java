package dev.atelier.inference.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JniLibraryTest {
    /** The tested build shipped in the repository (module dir is the test's working directory). */
    static final Path PATCHED = Path.of("../packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libdjl_torch.so");

    @TempDir
    Path tmp;

    @Test
    void theShippedBuildCarriesTheBf16PatchAndItsProvenance() throws IOException {
        JniLibrary lib = JniLibrary.inspect(PATCHED);
        assertTrue(lib.bf16());
        assertEquals("2.11.0+cu130", lib.torchVersion());
        assertEquals("v0.36.0", lib.provenance().get("djl"));
        assertTrue(lib.describe().contains("bf16 patch present"));
    }

    @Test
    void djlsStockJniIsRecognisedAsLackingBf16() throws IOException {
        // DJL's own CUDA and CPU JNI for libtorch 2.7.1, from the pytorch-jni jar on the test class path
        for (String res : new String[] {"jnilib/linux-x86_64/cu128/libdjl_torch.so", "jnilib/linux-x86_64/cpu/libdjl_torch.so"}) {
            Path f = tmp.resolve(res.replace('/', '_'));
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(res)) {
                assertTrue(in != null, res + " on the class path");
                Files.copy(in, f);
            }
            JniLibrary lib = JniLibrary.inspect(f);
            assertFalse(lib.bf16(), res);
            assertTrue(lib.provenance().isEmpty());
        }
    }

    @Test
    void markerIsFoundAcrossReadBufferBoundaries() throws IOException {
        byte[] marker = JniLibrary.BF16_MARKER.getBytes(StandardCharsets.US_ASCII);
        for (int offset : new int[] {0, 65536 - 10, 65536 - marker.length, 65536, 3 * 65536 - 1}) {
            byte[] data = new byte[offset + marker.length + 5];
            System.arraycopy(marker, 0, data, offset, marker.length);
            Path f = tmp.resolve("m" + offset);
            Files.write(f, data);
            assertTrue(JniLibrary.containsMarker(f), "offset " + offset);
            data[offset + marker.length - 1] ^= 1;
            Files.write(f, data);
            assertFalse(JniLibrary.containsMarker(f), "damaged marker at " + offset);
        }
    }

    @Test
    void loadedLibraryIsFoundInProcMaps() {
        String maps = """
                7f1c00000000-7f1c00021000 rw-p 00000000 00:00 0
                7f1c3a000000-7f1c3a0b2000 r-xp 00000000 08:01 1234   /home/u/.djl.ai/pytorch/2.7.1-cpu/0.36.0-libdjl_torch.so
                7f1c3b000000-7f1c3b100000 r-xp 00000000 08:01 99     /usr/lib/libc.so.6
                """;
        assertEquals(Optional.of(Path.of("/home/u/.djl.ai/pytorch/2.7.1-cpu/0.36.0-libdjl_torch.so")),
                JniLibrary.findInMaps(maps));
        assertEquals(Optional.of(Path.of("/tmp/x/libdjl_torch.so")),
                JniLibrary.findInMaps("7f-8f r-xp 0 0:0 1 /tmp/x/libdjl_torch.so (deleted)\n"));
        assertTrue(JniLibrary.findInMaps("7f-8f r-xp 0 0:0 1 /usr/lib/libc.so.6\n").isEmpty());
    }
}
