package dev.atelier.inference.engine;

import dev.atelier.inference.runtime.Bytes;
import java.time.Duration;

/**
 * The engine's own settings (the studio's preferences, the CLI's options, or the environment).
 *
 * @param device            auto (GPU when one is set up), gpu, cpu
 * @param budgetBytes       VRAM budget for the whole process; 0 = free GPU memory minus a margin at each job
 *                          ({@link dev.atelier.inference.runtime.MemoryPlanner#defaultBudget}). On the CPU a budget
 *                          other than 0 makes the engine plan as if for a GPU of that size (tests)
 * @param telemetryInterval how often memory is sampled during a job (Memory events)
 */
public record EngineSettings(ComputeTarget.Choice device, long budgetBytes, Duration telemetryInterval) {
    public static final Duration DEFAULT_TELEMETRY = Duration.ofMillis(500);

    public EngineSettings {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budget: " + budgetBytes + " bytes; give a positive size or 0 (auto)");
        }
        telemetryInterval = telemetryInterval == null ? DEFAULT_TELEMETRY : telemetryInterval;
    }

    /** CPU, no budget (the tests' and parity setting). */
    public static EngineSettings cpu() {
        return new EngineSettings(ComputeTarget.Choice.CPU, 0, DEFAULT_TELEMETRY);
    }

    /**
     * From system properties / environment: {@code atelier.device} / {@code ATELIER_DEVICE} (auto, gpu, cpu; default
     * auto), {@code atelier.budget} / {@code ATELIER_BUDGET} (e.g. 12GiB; default from free memory).
     */
    public static EngineSettings fromEnvironment() {
        String d = setting("atelier.device", "ATELIER_DEVICE");
        String b = setting("atelier.budget", "ATELIER_BUDGET");
        return new EngineSettings(ComputeTarget.Choice.parse(d), b == null ? 0 : Bytes.parse(b), DEFAULT_TELEMETRY);
    }

    public EngineSettings withDevice(ComputeTarget.Choice c) {
        return new EngineSettings(c, budgetBytes, telemetryInterval);
    }

    public EngineSettings withBudget(long bytes) {
        return new EngineSettings(device, bytes, telemetryInterval);
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v;
    }
}
