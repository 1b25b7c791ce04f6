package dev.atelier.inference.cli;

import dev.atelier.inference.runtime.Bytes;
import dev.atelier.inference.runtime.ComponentWeights;
import dev.atelier.inference.runtime.ComponentWeights.WeightPrecision;
import dev.atelier.inference.runtime.DeviceProfile;
import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.MemoryPlanner;
import dev.atelier.inference.runtime.ModelFootprint;
import dev.atelier.inference.runtime.Nvml;
import dev.atelier.inference.runtime.PlanRequest;
import dev.atelier.inference.runtime.ReferenceSizes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code atelier plan}: the memory plan and time estimate for a job, from weight headers only. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Predict VRAM placement, bytes streamed and time for an edit/generation, without loading weights.")
final class PlanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL_DIR", arity = "0..1", description = "diffusers pipeline folder (omit with --reference)")
    Path model;

    @Option(names = "--reference", description = "use the full-size Qwen-Image tables instead of a folder")
    boolean reference;

    @Option(names = "--fp8", description = "transformer weights kept in fp8")
    boolean fp8;

    @Option(names = "--budget", description = "VRAM budget, e.g. 12GiB (default: free GPU memory minus a margin)")
    String budget;

    @Option(names = "--device", description = "card name for the time model, e.g. 'RTX 4090' (default: NVML's name)")
    String deviceName;

    @Option(names = "--size", defaultValue = "1024x1024", description = "WIDTHxHEIGHT (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--refs", defaultValue = "1", description = "reference images (default ${DEFAULT-VALUE})")
    int refs;

    @Option(names = "--steps", defaultValue = "40", description = "steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--cfg", defaultValue = "4", description = "true CFG scale; 1 = one forward per step (default ${DEFAULT-VALUE})")
    double cfg;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (model == null && !reference) {
            System.err.println("error: give a model folder or --reference");
            return 2;
        }
        List<ComponentWeights> weights = reference ? ReferenceSizes.components(fp8)
                : ModelFootprint.of(model, fp8 ? WeightPrecision.FP8 : WeightPrecision.BF16, 2);
        String name = deviceName;
        long b;
        try (GpuTelemetry t = GpuTelemetry.open()) {
            if (name == null) {
                name = t.gpuAvailable() ? t.nvml().name(0) : "unknown";
            }
            if (budget != null) {
                b = Bytes.parse(budget);
            } else if (t.gpuAvailable()) {
                Nvml.Memory mem = t.nvml().memory(0);
                b = MemoryPlanner.defaultBudget(mem.free(), mem.total());
            } else {
                System.err.println("error: no GPU here (" + t.unavailableReason() + "); give --budget");
                return 2;
            }
        }
        String[] wh = size.toLowerCase().split("x");
        PlanRequest r = new PlanRequest(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]), refs, steps, cfg > 1 ? 2 : 1,
                512, b, 2, true, true, false);
        MemoryPlan p = new MemoryPlanner(weights, DeviceProfile.forName(name)).plan(r);
        DeviceProfile prof = DeviceProfile.forName(name);
        out.println("device model: " + (prof.known() ? prof.name() : "unknown card '" + name + "' (rough figures)"));
        p.details().forEach(out::println);
        return p.feasible() ? 0 : 1;
    }
}
