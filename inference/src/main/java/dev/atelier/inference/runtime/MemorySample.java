package dev.atelier.inference.runtime;

import java.time.Instant;

/**
 * One reading for the studio's memory meter. With {@code gpu == false} (no NVIDIA driver, or the CPU engine)
 * the device fields are -1 and only the process memory is meaningful; {@code note} says why.
 *
 * @param gpu              true when the device fields come from NVML
 * @param deviceIndex      NVML device index (-1 without a GPU)
 * @param deviceName       e.g. "NVIDIA H100 80GB HBM3" ("CPU" without a GPU)
 * @param deviceTotalBytes total device memory
 * @param deviceUsedBytes  used by every process on the device
 * @param processGpuBytes  used by this process on the device; -1 when the driver does not say (e.g. a
 *                         container whose pids the driver does not know)
 * @param process          this process's RSS and JVM heap
 * @param note             why some values are missing; empty when all are there
 */
public record MemorySample(Instant time, boolean gpu, int deviceIndex, String deviceName, long deviceTotalBytes,
                             long deviceUsedBytes, long processGpuBytes, ProcessMemory process, String note) {

    /** Free device memory, -1 without a GPU. */
    public long deviceFreeBytes() {
        return gpu ? deviceTotalBytes - deviceUsedBytes : -1;
    }

    /**
     * For the engine's {@code EngineEvent.Memory}: device figures from NVML, or on a CPU-only machine the process
     * RSS as {@code processUsed} (and {@code cpuOnly}). An unknown process share on the GPU is reported as 0.
     *
     * @param budget     the VRAM budget in bytes (0: none)
     * @param components bytes per component ("text_encoder", "transformer", "vae", "activations", ...)
     */
    public dev.atelier.inference.api.MemorySnapshot toApi(long budget, java.util.Map<String, Long> components) {
        if (!gpu) {
            return new dev.atelier.inference.api.MemorySnapshot(0, 0, Math.max(0, process.rssBytes()), budget,
                    components, true);
        }
        return new dev.atelier.inference.api.MemorySnapshot(deviceUsedBytes, deviceTotalBytes,
                Math.max(0, processGpuBytes), budget, components, false);
    }

    /** One line for logs and the CLI. */
    public String describe() {
        String host = "RSS " + Bytes.format(process.rssBytes()) + ", heap " + Bytes.format(process.heapUsedBytes())
                + " of " + Bytes.format(process.heapMaxBytes());
        if (!gpu) {
            return "CPU only: " + host + (note.isEmpty() ? "" : " (" + note + ")");
        }
        return deviceName + ": " + Bytes.format(deviceUsedBytes) + " of " + Bytes.format(deviceTotalBytes)
                + " used, this process " + (processGpuBytes < 0 ? "unknown" : Bytes.format(processGpuBytes))
                + "; " + host + (note.isEmpty() ? "" : " (" + note + ")");
    }
}
