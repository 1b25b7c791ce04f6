package dev.atelier.inference.sched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The settings of diffusers' {@code FlowMatchEulerDiscreteScheduler} that the Qwen-Image pipelines use, read from a
 * model's {@code scheduler/scheduler_config.json}. Defaults are the reference {@code __init__} defaults.
 * Karras/exponential/beta sigma conversions and stochastic sampling are not used by any Qwen-Image configuration and
 * are rejected when switched on.
 *
 * @param shiftTerminal {@code NaN} when absent (null in JSON): no stretch
 */
public record SchedulerConfig(int numTrainTimesteps, double shift, boolean useDynamicShifting, double baseShift,
        double maxShift, int baseImageSeqLen, int maxImageSeqLen, boolean invertSigmas, double shiftTerminal,
        TimeShiftType timeShiftType) {

    public enum TimeShiftType { EXPONENTIAL, LINEAR }

    public SchedulerConfig {
        if (numTrainTimesteps < 1) {
            throw new IllegalArgumentException("num_train_timesteps must be >= 1, got " + numTrainTimesteps);
        }
        if (maxImageSeqLen == baseImageSeqLen) {
            throw new IllegalArgumentException("max_image_seq_len must differ from base_image_seq_len (" + baseImageSeqLen + ")");
        }
        if (!Double.isNaN(shiftTerminal) && shiftTerminal >= 1) {
            throw new IllegalArgumentException("shift_terminal must be < 1, got " + shiftTerminal);
        }
        if (timeShiftType == null) {
            throw new IllegalArgumentException("time_shift_type must be exponential or linear");
        }
    }

    /** diffusers' constructor defaults. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig(1000, 1.0, false, 0.5, 1.15, 256, 4096, false, Double.NaN, TimeShiftType.EXPONENTIAL);
    }

    /** The Qwen-Image {@code scheduler_config.json} values (what the released models ship). */
    public static SchedulerConfig qwenImage() {
        return new SchedulerConfig(1000, 1.0, true, 0.5, 0.9, 256, 8192, false, 0.02, TimeShiftType.EXPONENTIAL);
    }

    public static SchedulerConfig read(Path schedulerConfigJson) {
        try {
            return fromJson(new ObjectMapper().readTree(schedulerConfigJson.toFile()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read scheduler config " + schedulerConfigJson + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(schedulerConfigJson + ": " + e.getMessage(), e);
        }
    }

    /** Reads the diffusers JSON keys; absent keys take the diffusers defaults. */
    public static SchedulerConfig fromJson(JsonNode n) {
        SchedulerConfig d = defaults();
        for (String unsupported : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas",
                "stochastic_sampling"}) {
            if (n.path(unsupported).asBoolean(false)) {
                throw new IllegalArgumentException(unsupported + " is true: not supported by Atelier's flow-match scheduler "
                        + "(no Qwen-Image configuration uses it); set it to false");
            }
        }
        String type = n.path("time_shift_type").asText("exponential");
        TimeShiftType tst = switch (type) {
            case "exponential" -> TimeShiftType.EXPONENTIAL;
            case "linear" -> TimeShiftType.LINEAR;
            default -> throw new IllegalArgumentException("time_shift_type must be 'exponential' or 'linear', got '" + type + "'");
        };
        JsonNode term = n.get("shift_terminal");
        double shiftTerminal = term == null || term.isNull() ? Double.NaN : term.asDouble();
        return new SchedulerConfig(
                n.path("num_train_timesteps").asInt(d.numTrainTimesteps),
                n.path("shift").asDouble(d.shift),
                n.path("use_dynamic_shifting").asBoolean(d.useDynamicShifting),
                doubleOr(n, "base_shift", d.baseShift),
                doubleOr(n, "max_shift", d.maxShift),
                n.path("base_image_seq_len").asInt(d.baseImageSeqLen),
                n.path("max_image_seq_len").asInt(d.maxImageSeqLen),
                n.path("invert_sigmas").asBoolean(d.invertSigmas),
                shiftTerminal,
                tst);
    }

    private static double doubleOr(JsonNode n, String key, double dflt) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? dflt : v.asDouble();
    }

    public boolean hasShiftTerminal() {
        // diffusers tests `if self.config.shift_terminal:` so 0 also means "off"
        return !Double.isNaN(shiftTerminal) && shiftTerminal != 0;
    }

    /**
     * The config a run uses for a preset/request shift: {@code null} keeps the model's schedule; a value {@code s} gives
     * the Lightning configuration diffusers documents (dynamic exponential shift with base = max = ln s, so mu = ln s
     * whatever the image size, and no terminal stretch), which equals a static shift by {@code s}.
     */
    public SchedulerConfig forShift(Double fixedShift) {
        return fixedShift == null ? this : withFixedMu(Math.log(fixedShift));
    }

    /** This config with a fixed resolution-independent shift (Lightning: base = max = ln 3 gives mu = ln 3). */
    public SchedulerConfig withFixedMu(double mu) {
        return new SchedulerConfig(numTrainTimesteps, shift, true, mu, mu, baseImageSeqLen, maxImageSeqLen, invertSigmas,
                Double.NaN, timeShiftType);
    }

    /** This config with static shifting ({@code use_dynamic_shifting = false}) by {@code shift}. */
    public SchedulerConfig withStaticShift(double newShift) {
        return new SchedulerConfig(numTrainTimesteps, newShift, false, baseShift, maxShift, baseImageSeqLen, maxImageSeqLen,
                invertSigmas, Double.NaN, timeShiftType);
    }

    /**
     * diffusers {@code calculate_shift} (pipeline_qwenimage.py): mu grows linearly with the image token count from
     * {@code base_shift} at {@code base_image_seq_len} to {@code max_shift} at {@code max_image_seq_len}. Double precision
     * as in Python.
     */
    public double calculateShift(long imageSeqLen) {
        double m = (maxShift - baseShift) / (maxImageSeqLen - baseImageSeqLen);
        double b = baseShift - m * baseImageSeqLen;
        return imageSeqLen * m + b;
    }
}
