package dev.atelier.inference.api;

import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.MemoryPlanner;
import dev.atelier.inference.runtime.MemorySample;
import dev.atelier.inference.runtime.Nvml;
import java.util.Map;

/**
 * Memory readings for the studio's meter: device used/total and this process's share from NVML, or on a machine
 * without an NVIDIA GPU the process's resident memory ({@link MemorySnapshot#cpuOnly()}). Thread-safe; close it at
 * exit.
 */
public final class Telemetry implements AutoCloseable {
    private final GpuTelemetry gpu;

    private Telemetry(GpuTelemetry gpu) {
        this.gpu = gpu;
    }

    /** NVML when the driver has it, else process memory only. */
    public static Telemetry open() {
        return new Telemetry(GpuTelemetry.open());
    }

    /** Process memory only (tests, CPU device chosen in settings). */
    public static Telemetry cpuOnly() {
        return new Telemetry(GpuTelemetry.processOnly("CPU device chosen"));
    }

    public boolean gpu() {
        return gpu.gpuAvailable();
    }

    /** The card's name, or "CPU". */
    public String deviceName() {
        return gpu.gpuAvailable() ? gpu.nvml().name(0) : "CPU";
    }

    /** Why there is no GPU reading ("" when there is one). */
    public String noGpuReason() {
        return gpu.unavailableReason();
    }

    /** The default VRAM budget: free memory minus a margin (0 without a GPU). */
    public long defaultBudget() {
        if (!gpu.gpuAvailable()) {
            return 0;
        }
        Nvml.Memory m = gpu.nvml().memory(0);
        return MemoryPlanner.defaultBudget(m.free(), m.total());
    }

    /** One reading now. */
    public synchronized MemorySnapshot sample(long budget, Map<String, Long> components) {
        MemorySample s = gpu.sample(0);
        return s.toApi(budget, components);
    }

    @Override
    public synchronized void close() {
        gpu.close();
    }
}
