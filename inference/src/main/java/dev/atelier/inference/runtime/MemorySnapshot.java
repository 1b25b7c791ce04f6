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
public record MemorySnapshot(Instant time, boolean gpu, int deviceIndex, String deviceName, long deviceTotalBytes,
                             long deviceUsedBytes, long processGpuBytes, ProcessMemory process, String note) {

    /** Free device memory, -1 without a GPU. */
    public long deviceFreeBytes() {
        return gpu ? deviceTotalBytes - deviceUsedBytes : -1;
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
