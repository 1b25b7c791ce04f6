package dev.atelier.inference.api;

import dev.atelier.inference.runtime.Bytes;
import dev.atelier.inference.runtime.ComponentWeights;
import dev.atelier.inference.runtime.ComponentWeights.WeightPrecision;
import dev.atelier.inference.runtime.DeviceProfile;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.MemoryPlanner;
import dev.atelier.inference.runtime.ModelFootprint;
import dev.atelier.inference.runtime.PlanRequest;
import dev.atelier.inference.runtime.ReferenceSizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a preset will cost on this machine before the run: the memory planner's prediction (fits, stage offload,
 * streams or too small) and the estimated seconds, from weight headers only.
 *
 * @param mode      "fits", "staged", "streams", "too-small" or "cpu"
 * @param seconds   estimated seconds for the job
 * @param peakBytes predicted peak memory
 * @param summary   the planner's sentence
 */
public record CostEstimate(String mode, double seconds, long peakBytes, String summary) {
    /** A rough CPU profile (float32 on all cores): the planner's CPU throughput, memory copies free. */
    private static final DeviceProfile CPU = new DeviceProfile("CPU", DeviceProfile.CPU_TFLOPS, 1e12, false, true);

    public boolean fits() {
        return !mode.equals("too-small");
    }

    /**
     * @param model     a diffusers pipeline folder (its headers are read), or null/other: the full-size Qwen-Image tables
     * @param deviceName the card ("CPU" on a machine without a GPU)
     * @param budget    the VRAM budget in bytes (ignored on the CPU)
     */
    public static CostEstimate of(Path model, Preset preset, String kind, int width, int height, int references,
            String deviceName, long budget) {
        boolean fp8 = preset.weights() == WeightVariant.FP8;
        boolean cpu = "CPU".equals(deviceName) || budget <= 0;
        List<ComponentWeights> weights;
        if (model != null && Files.isRegularFile(model.resolve("model_index.json"))) {
            weights = ModelFootprint.of(model, cpu ? WeightPrecision.F32 : fp8 ? WeightPrecision.FP8 : WeightPrecision.BF16,
                    cpu ? 4 : 2);
        } else {
            weights = ReferenceSizes.components(fp8);
        }
        long b = cpu ? Runtime.getRuntime().maxMemory() + (64L << 30) : budget;
        int w = Math.max(16, width / 16 * 16);
        int h = Math.max(16, height / 16 * 16);
        PlanRequest r = new PlanRequest(w, h, Preset.EDIT.equals(kind) ? 1 + references : 0, preset.steps(),
                preset.cfg() > 1 ? 2 : 1, 512, b, cpu ? 4 : 2, true, !cpu, false);
        MemoryPlan p = new MemoryPlanner(weights, cpu ? CPU : DeviceProfile.forName(deviceName)).plan(r);
        if (cpu) {
            return new CostEstimate("cpu", p.estimate().total(), p.peakBytes(), String.format(Locale.ROOT,
                    "CPU: about %s of system memory, est. %.0f s", Bytes.format(p.peakBytes()), p.estimate().total()));
        }
        String mode = switch (p.mode()) {
            case FITS -> "fits";
            case STAGED -> "staged";
            case STREAMING -> "streams";
            case TOO_SMALL -> "too-small";
        };
        return new CostEstimate(mode, p.feasible() ? p.estimate().total() : Double.NaN, p.peakBytes(), p.summary());
    }
}
