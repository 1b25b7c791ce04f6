package dev.atelier.inference.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class GpuTelemetryTest {
    private static final String MISSING = "libnvidia-ml-atelier-missing.so.1";

    @Test
    void missingNvmlIsReportedWithTheLibraryAndWhatToDo() {
        NvmlException e = assertThrows(NvmlException.class, () -> Nvml.open(MISSING));
        assertTrue(e.getMessage().contains(MISSING), e.getMessage());
        assertTrue(e.getMessage().contains("NVIDIA driver"), e.getMessage());
    }

    @Test
    void withoutNvmlTelemetryFallsBackToProcessMemoryAndSaysSo() {
        try (GpuTelemetry t = GpuTelemetry.open(MISSING)) {
            assertFalse(t.gpuAvailable());
            assertEquals(0, t.deviceCount());
            assertTrue(t.unavailableReason().contains(MISSING));
            MemorySample s = t.sample(0);
            assertFalse(s.gpu());
            assertEquals(-1, s.deviceTotalBytes());
            assertEquals(-1, s.processGpuBytes());
            assertEquals(-1, s.deviceFreeBytes());
            assertTrue(s.process().rssBytes() > 1_000_000, "RSS of a JVM is more than 1 MB: " + s.process());
            assertTrue(s.process().peakRssBytes() >= s.process().rssBytes());
            assertTrue(s.process().heapUsedBytes() > 0 && s.process().heapMaxBytes() >= s.process().heapUsedBytes());
            assertTrue(s.describe().startsWith("CPU only: RSS "), s.describe());
            dev.atelier.inference.api.MemorySnapshot api = s.toApi(12L << 30, java.util.Map.of("transformer", 5L));
            assertTrue(api.cpuOnly());
            assertEquals(0, api.deviceTotal());
            assertEquals(s.process().rssBytes(), api.processUsed());
            assertEquals(12L << 30, api.budget());
        }
    }

    @Test
    void defaultOpenNeverThrowsOnThisMachine() {
        try (GpuTelemetry t = GpuTelemetry.open()) {
            MemorySample s = t.sample(0);
            assertEquals(t.gpuAvailable(), s.gpu());
            if (!t.gpuAvailable()) {
                assertFalse(t.unavailableReason().isEmpty());
            }
        }
    }

    @Test
    void samplerEmitsSnapshotsAndKeepsPeaks() throws InterruptedException {
        List<MemorySample> seen = new CopyOnWriteArrayList<>();
        try (GpuTelemetry t = GpuTelemetry.open(MISSING);
             TelemetrySampler s = t.startSampler(0, Duration.ofMillis(20), seen::add)) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(seen.size() >= 3, "samples: " + seen.size());
            assertTrue(s.sampleCount() >= 3);
            assertTrue(s.peakRssBytes() > 0);
            assertEquals(-1, s.peakDeviceUsedBytes());
            assertFalse(s.last().gpu());
        }
        int after = seen.size();
        Thread.sleep(80);
        assertTrue(seen.size() <= after + 1, "sampler stops when closed");
    }

    @Test
    void samplerRejectsNonPositiveInterval() {
        try (GpuTelemetry t = GpuTelemetry.open(MISSING)) {
            assertThrows(IllegalArgumentException.class, () -> t.startSampler(0, Duration.ZERO, s -> { }));
        }
    }

    @Test
    void ownUsageSumsOurPidsOnly() {
        List<Nvml.ProcessUsage> ps = List.of(new Nvml.ProcessUsage(10, 100), new Nvml.ProcessUsage(42, 7_000),
                new Nvml.ProcessUsage(43, -1));
        assertEquals(7_000, GpuTelemetry.ownUsage(ps, Set.of(42L)));
        assertEquals(7_000, GpuTelemetry.ownUsage(ps, Set.of(42L, 43L)), "NVML_VALUE_NOT_AVAILABLE counts as 0");
        assertEquals(-1, GpuTelemetry.ownUsage(ps, Set.of(99L)));
    }

    @Test
    void procStatusParsing() {
        String status = """
                Name:\tjava
                VmPeak:\t 9000000 kB
                VmHWM:\t  524288 kB
                VmRSS:\t  262144 kB
                Threads:\t42
                NSpid:\t812\t1
                """;
        assertEquals(262144L * 1024, ProcessMemory.statusField(status, "VmRSS"));
        assertEquals(524288L * 1024, ProcessMemory.statusField(status, "VmHWM"));
        assertEquals(42, ProcessMemory.statusField(status, "Threads"));
        assertEquals(-1, ProcessMemory.statusField(status, "VmSwap"));
        assertEquals(-1, ProcessMemory.statusField("VmRSS:\tlots kB\n", "VmRSS"));
        assertEquals(-1, ProcessMemory.statusField("VmRSS:\n", "VmRSS"));
        ProcessMemory now = ProcessMemory.read();
        assertTrue(now.rssBytes() > 0);
    }

    @Test
    void deviceCapabilities() {
        DeviceInfo h100 = new DeviceInfo(0, "NVIDIA H100 80GB HBM3", 80L << 30, 9, 0);
        DeviceInfo ada = new DeviceInfo(0, "NVIDIA GeForce RTX 4090", 24L << 30, 8, 9);
        DeviceInfo ampere = new DeviceInfo(0, "NVIDIA GeForce RTX 3090", 24L << 30, 8, 6);
        DeviceInfo turing = new DeviceInfo(0, "NVIDIA GeForce RTX 2080", 8L << 30, 7, 5);
        assertTrue(h100.fp8Matmul() && ada.fp8Matmul());
        assertFalse(ampere.fp8Matmul() || turing.fp8Matmul());
        assertTrue(ampere.bf16Native());
        assertFalse(turing.bf16Native());
        assertEquals("sm_89", ada.sm());
        assertTrue(ampere.describe().contains("no fp8 matmul"));
        assertTrue(DeviceInfo.list(null).isEmpty());
    }
}
