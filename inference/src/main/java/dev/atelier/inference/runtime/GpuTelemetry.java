package dev.atelier.inference.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Memory readings for the studio's meter and the benchmarks: device total/used and this process's use through
 * NVML ({@link Nvml}, java.lang.foreign), or, on machines without an NVIDIA driver, this process's RSS and JVM heap
 * with {@link MemorySample#gpu()} false. Never throws for a missing driver: {@link #unavailableReason()} says why.
 */
public final class GpuTelemetry implements AutoCloseable {
    private final Nvml nvml;
    private final String unavailableReason;
    private final int deviceCount;
    private final String[] names;
    private final Set<Long> ownPids;

    private GpuTelemetry(Nvml nvml, String unavailableReason) {
        this.nvml = nvml;
        this.unavailableReason = unavailableReason;
        this.ownPids = ownPids();
        if (nvml != null) {
            deviceCount = nvml.deviceCount();
            names = new String[deviceCount];
            for (int i = 0; i < deviceCount; i++) {
                names[i] = nvml.name(i);
            }
        } else {
            deviceCount = 0;
            names = new String[0];
        }
    }

    /** NVML from the driver's {@value Nvml#DEFAULT_LIBRARY}, else process memory only. */
    public static GpuTelemetry open() {
        return open(System.getProperty("atelier.nvml.library", Nvml.DEFAULT_LIBRARY));
    }

    /** NVML from {@code library}, else process memory only (the reason is kept, not thrown). */
    public static GpuTelemetry open(String library) {
        Nvml n;
        try {
            n = Nvml.open(library);
        } catch (NvmlException e) {
            return new GpuTelemetry(null, e.getMessage());
        }
        try {
            GpuTelemetry t = new GpuTelemetry(n, "");
            if (t.deviceCount == 0) {
                n.close();
                return new GpuTelemetry(null, "NVML found no NVIDIA GPU");
            }
            return t;
        } catch (NvmlException e) {
            n.close();
            return new GpuTelemetry(null, e.getMessage());
        }
    }

    /** Process memory only (CPU engine). */
    public static GpuTelemetry processOnly(String reason) {
        return new GpuTelemetry(null, reason);
    }

    public boolean gpuAvailable() {
        return nvml != null;
    }

    /** Why there are no GPU readings; empty when there are. */
    public String unavailableReason() {
        return unavailableReason;
    }

    public int deviceCount() {
        return deviceCount;
    }

    /** The NVML session, for {@link DeviceInfo}; null without a GPU. */
    public Nvml nvml() {
        return nvml;
    }

    /** One reading of device {@code index} (ignored without a GPU). */
    public MemorySample sample(int index) {
        ProcessMemory proc = ProcessMemory.read();
        if (nvml == null) {
            return new MemorySample(Instant.now(), false, -1, "CPU", -1, -1, -1, proc, unavailableReason);
        }
        Nvml.Memory m = nvml.memory(index);
        long own = -1;
        String note = "";
        try {
            List<Nvml.ProcessUsage> ps = nvml.computeProcesses(index);
            own = ownUsage(ps, ownPids);
            if (own < 0 && !ps.isEmpty()) {
                note = "this process is not in the driver's process list (container pid namespace?)";
            } else if (own < 0) {
                own = 0; // no CUDA context yet
            }
        } catch (NvmlException e) {
            note = e.getMessage();
        }
        return new MemorySample(Instant.now(), true, index, names[index], m.total(), m.used(), own, proc, note);
    }

    /**
     * Starts a daemon thread that samples device {@code index} every {@code interval} and hands each snapshot
     * to {@code sink} (on that thread). Close the sampler to stop it.
     */
    public TelemetrySampler startSampler(int index, Duration interval, Consumer<MemorySample> sink) {
        return new TelemetrySampler(() -> sample(index), interval, sink);
    }

    /** Sum of the entries whose pid is one of ours; -1 when none is. */
    static long ownUsage(List<Nvml.ProcessUsage> processes, Set<Long> ownPids) {
        long sum = 0;
        boolean found = false;
        for (Nvml.ProcessUsage p : processes) {
            if (ownPids.contains(p.pid())) {
                found = true;
                sum += Math.max(0, p.usedBytes());
            }
        }
        return found ? sum : -1;
    }

    /** Our pid and, where /proc tells, our pids in the enclosing pid namespaces (NSpid). */
    private static Set<Long> ownPids() {
        Set<Long> pids = new HashSet<>();
        pids.add(ProcessHandle.current().pid());
        try {
            String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
            for (String line : status.split("\n")) {
                if (line.startsWith("NSpid:")) {
                    for (String s : line.substring(6).trim().split("\\s+")) {
                        if (!s.isEmpty()) {
                            pids.add(Long.parseLong(s));
                        }
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: our own pid is all we know
        }
        return pids;
    }

    @Override
    public void close() {
        if (nvml != null) {
            nvml.close();
        }
    }
}
