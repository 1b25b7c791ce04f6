package dev.atelier.inference.api;

import java.util.Map;

/**
 * Memory use at one moment. On a CPU-only machine {@code deviceTotal} is 0, {@code cpuOnly} true and the process
 * figures are what matters.
 *
 * @param deviceUsed  bytes in use on the device by everyone
 * @param deviceTotal device capacity in bytes (0 without a GPU)
 * @param processUsed bytes this process holds (device memory on a GPU, resident set on the CPU)
 * @param budget      the configured budget in bytes (0: none)
 * @param components  bytes per component: "text_encoder", "transformer", "vae", "activations", ...
 */
public record MemorySnapshot(long deviceUsed, long deviceTotal, long processUsed, long budget,
        Map<String, Long> components, boolean cpuOnly) {
    public MemorySnapshot {
        components = components == null ? Map.of() : Map.copyOf(components);
    }
}
