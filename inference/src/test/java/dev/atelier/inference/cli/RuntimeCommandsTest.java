package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RuntimeCommandsTest {
    @Test
    void planPrintsThePredictionForTheRealSizes() {
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "plan", "--reference", "--budget", "12GiB", "--device", "NVIDIA H100 80GB HBM3");
        assertEquals(0, rc[0], out);
        assertTrue(out.contains("device model: H100"), out);
        assertTrue(out.contains("streams ") && out.contains(" per step"), out);
        assertTrue(out.contains("transformer: ") && out.contains("of 60 blocks resident"), out);
        String tiny = CliRun.capture(rc, "plan", "--reference", "--budget", "1GiB", "--device", "RTX 4090");
        assertEquals(1, rc[0], "does not fit -> exit 1");
        assertTrue(tiny.contains("does not fit: needs a budget of at least"), tiny);
    }

    @Test
    void planOfTheFixtureFolderReadsItsWeightTables() {
        int[] rc = new int[1];
        Path fixture = Path.of("src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny");
        String out = CliRun.capture(rc, "plan", fixture.toString(), "--budget", "4GiB", "--size", "64x64", "--steps", "4");
        assertEquals(0, rc[0], out);
        assertTrue(out.startsWith("device model: unknown card") && out.contains("fits: "), out);
        assertTrue(out.contains("text encoder: ") && out.contains("VAE: "), out);
    }

    @Test
    void doctorJudgesJniFiles() {
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "doctor", "--inspect-jni",
                "../packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libdjl_torch.so");
        assertEquals(0, rc[0]);
        assertTrue(out.contains("bf16=true"), out);
    }
}
