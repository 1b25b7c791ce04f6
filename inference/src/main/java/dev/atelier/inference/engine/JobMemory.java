package dev.atelier.inference.engine;

import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.pipeline.ModelBundle;
import dev.atelier.inference.runtime.ComponentRole;
import dev.atelier.inference.runtime.ComponentWeights;
import dev.atelier.inference.runtime.DeviceProfile;
import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.MemoryPlanner;
import dev.atelier.inference.runtime.MemorySample;
import dev.atelier.inference.runtime.ModelFootprint;
import dev.atelier.inference.runtime.OomPolicy;
import dev.atelier.inference.runtime.PlanRequest;
import dev.atelier.inference.runtime.TelemetrySampler;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The memory side of a job: the plan within the VRAM budget ({@link MemoryPlanner}, from the model folder's weight
 * headers), applied to the model bundle (stage offload, VAE tiling, block placement) and announced as a Stage note;
 * {@code Memory} events from a {@link TelemetrySampler} while the job runs, with per-component sizes; and the
 * out-of-memory policy: a GPU OOM is classified ({@link OomPolicy#classify}), the job's memory released (its managers
 * are closed by then, the components unloaded, torch's CUDA cache emptied) and the job run once more with
 * {@link OomPolicy#retryPlan}; a second OOM, or one no tighter plan can help, fails with
 * {@link FailureKind#OUT_OF_MEMORY} and what to do.
 */
final class JobMemory implements AutoCloseable {
    /** What the planner needs to know about one job. */
    record JobShape(int width, int height, int referenceImages, int steps, int cfgForwards) {}

    private final ComputeTarget target;
    private final EngineSettings settings;
    private final GpuTelemetry telemetry;
    private Path footprintDir;
    private List<ComponentWeights> footprint;
    private MemoryPlanner planner;

    JobMemory(ComputeTarget target, EngineSettings settings) {
        this.target = target;
        this.settings = settings;
        this.telemetry = target.gpu() ? GpuTelemetry.open() : GpuTelemetry.processOnly("CPU engine");
    }

    /** The budget of a job: the setting, else free GPU memory minus a margin; 0 = no planning (CPU, no budget). */
    long budget() {
        if (settings.budgetBytes() > 0) {
            return settings.budgetBytes();
        }
        if (!target.gpu() || !telemetry.gpuAvailable()) {
            return 0;
        }
        MemorySample s = telemetry.sample(target.device().getDeviceId());
        // our own use is free for this job's plan (the models already loaded are part of what it places)
        long free = s.deviceFreeBytes() + Math.max(0, s.processGpuBytes());
        return MemoryPlanner.defaultBudget(free, s.deviceTotalBytes());
    }

    /** The plan for this job, or null when there is no budget to plan for. */
    MemoryPlan plan(ModelBundle b, JobShape shape) {
        long budget = budget();
        if (budget <= 0) {
            return null;
        }
        MemoryPlanner p = planner(b);
        int bytes = b.dtype().getNumOfBytes() >= 4 ? 4 : 2;
        PlanRequest r = new PlanRequest(shape.width(), shape.height(), shape.referenceImages(), shape.steps(),
                shape.cfgForwards(), 512, budget, bytes, target.gpu(), false, false);
        return p.plan(r);
    }

    MemoryPlanner planner(ModelBundle b) {
        if (planner == null || !b.dir().equals(footprintDir)) {
            int bytes = b.dtype().getNumOfBytes();
            footprint = ModelFootprint.of(b.dir(), new ComponentWeights.WeightPrecision(bytes, false), bytes);
            String name = telemetry.gpuAvailable() ? telemetry.sample(Math.max(0, target.device().getDeviceId()))
                    .deviceName() : "CPU";
            planner = new MemoryPlanner(footprint, DeviceProfile.forName(name));
            footprintDir = b.dir();
        }
        return planner;
    }

    /** Device bytes per component at the engine's dtype (from the weight headers; empty before the first plan). */
    Map<ComponentRole, Long> sizes() {
        Map<ComponentRole, Long> m = new EnumMap<>(ComponentRole.class);
        if (footprint != null) {
            footprint.forEach(w -> m.put(w.role(), w.totalBytes()));
        }
        return m;
    }

    /** One Memory event now. */
    void emit(JobContext ctx, ModelBundle b, long budget) {
        MemorySample s = telemetry.sample(Math.max(0, target.device().getDeviceId()));
        ctx.memory(s.toApi(budget, b.residentComponents(sizes())));
    }

    /**
     * Samples every {@link EngineSettings#telemetryInterval()} until closed; the job's context turns each new sample
     * into a Memory event at its next stage or step (on the engine thread, as events are delivered).
     */
    TelemetrySampler sample(JobContext ctx, ModelBundle b, long budget) {
        Map<ComponentRole, Long> sizes = sizes();
        TelemetrySampler sampler = telemetry.startSampler(Math.max(0, target.device().getDeviceId()),
                settings.telemetryInterval(), s -> { });
        Object[] cache = new Object[2]; // last sample, its snapshot (engine thread only)
        ctx.memorySource(() -> {
            MemorySample s = sampler.last();
            if (s == null) {
                return null;
            }
            if (cache[0] != s) {
                cache[0] = s;
                cache[1] = s.toApi(budget, b.residentComponents(sizes));
            }
            return (dev.atelier.inference.api.MemorySnapshot) cache[1];
        });
        return sampler;
    }

    /**
     * Runs {@code body} under the job's plan, with telemetry, retrying once after a GPU out-of-memory. {@code body}
     * must close the memory it allocates when it throws (the runners' try-with-resources managers do).
     */
    <T> T run(ModelBundle b, JobShape shape, JobContext ctx, Supplier<T> body) {
        planner(b); // component sizes from the weight headers, also when there is no budget to plan for
        MemoryPlan plan = plan(b, shape);
        long budget = plan == null ? 0 : plan.budgetBytes();
        if (plan != null && !plan.feasible()) {
            throw new EngineError(FailureKind.OUT_OF_MEMORY, "the models do not fit the VRAM budget: " + plan.summary(),
                    suggestion(), null);
        }
        if (plan != null) {
            b.applyPlan(plan);
            ctx.stage("Note: memory plan: " + plan.summary());
        } else {
            b.clearPlan();
        }
        emit(ctx, b, budget);
        try (TelemetrySampler sampler = sample(ctx, b, budget)) {
            try {
                return body.get();
            } catch (RuntimeException | OutOfMemoryError e) {
                Optional<OomPolicy.OutOfMemory> oom = OomPolicy.classify(e);
                if (oom.isEmpty()) {
                    throw e;
                }
                release(b);
                Optional<MemoryPlan> retry = plan == null ? Optional.empty()
                        : OomPolicy.retryPlan(planner(b), plan, oom.get());
                if (retry.isEmpty()) {
                    throw failed(oom.get(), e);
                }
                b.applyPlan(retry.get());
                ctx.stage("Note: " + oom.get().describe() + "; memory released, retrying once with a tighter plan: "
                        + retry.get().summary());
                try {
                    return body.get();
                } catch (RuntimeException | OutOfMemoryError again) {
                    Optional<OomPolicy.OutOfMemory> oom2 = OomPolicy.classify(again);
                    if (oom2.isEmpty()) {
                        throw again;
                    }
                    release(b);
                    throw failed(oom2.get(), again);
                }
            }
        } finally {
            ctx.memorySource(null);
            emit(ctx, b, budget);
        }
    }

    private void release(ModelBundle b) {
        b.releaseAll();
        if (target.gpu()) {
            OomPolicy.releaseCudaCache();
        }
    }

    private static EngineError failed(OomPolicy.OutOfMemory oom, Throwable cause) {
        return new EngineError(FailureKind.OUT_OF_MEMORY, oom.describe() + " (" + oom.message() + ")", suggestion(),
                cause);
    }

    static String suggestion() {
        return "Lower the VRAM budget in settings (Atelier then streams more weights from system memory), choose a "
                + "smaller output size, or use the quick-preview preset (fp8 weights).";
    }

    @Override
    public void close() {
        telemetry.close();
    }
}
