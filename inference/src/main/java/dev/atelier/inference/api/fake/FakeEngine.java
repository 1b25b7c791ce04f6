package dev.atelier.inference.api.fake;

import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.Engine;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.EngineListener;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.JobHandle;
import dev.atelier.inference.api.MemorySnapshot;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.engine.JobContext;
import dev.atelier.inference.engine.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A scriptable engine for app tests: loads no weights, replays a {@link Script} (stages, a memory snapshot, N steps
 * with synthetic previews, then Done or Failed) on its own engine thread, with the same threading, ordering and
 * cancellation semantics as the real engine (it is a {@link LocalEngine} with a scripted runner).
 *
 * <pre>{@code
 * FakeEngine fake = new FakeEngine(FakeEngine.Script.done().withSteps(4).withStepDelay(Duration.ofMillis(5)));
 * fake.enqueue(FakeEngine.Script.failing(FailureKind.OUT_OF_MEMORY, "out of GPU memory", "use quick-preview"));
 * JobHandle h = fake.run(request, event -> ...);   // first job fails, later ones use the default script
 * fake.requests();                                 // what the app submitted
 * // step by step: Script.done().stepByStep(); then fake.advance() releases one step
 * }</pre>
 *
 * The Done image has the request's output size, a colour derived from the seed (same seed, same image).
 */
public final class FakeEngine implements Engine {
    /**
     * @param stages     stage names emitted first
     * @param steps      number of steps; 0 = the request's step count
     * @param stepDelay  sleep per step (cancellation is checked after each)
     * @param manual     each step waits for {@link #advance()}
     * @param previewSide side of the square synthetic preview (0: no previews)
     * @param failure    null: end with Done; else end with this failure after the steps
     * @param failAfter  steps run before the failure (-1: all)
     * @param memory     snapshot emitted after the stages (null: none)
     * @param stageDelay sleep after each stage event, cancellable (to test cancelling while "loading")
     */
    public record Script(List<String> stages, int steps, Duration stepDelay, boolean manual, int previewSide,
            EngineEvent.Failed failure, int failAfter, MemorySnapshot memory, Duration stageDelay) {
        public Script {
            stages = List.copyOf(stages);
            stepDelay = stepDelay == null ? Duration.ZERO : stepDelay;
            stageDelay = stageDelay == null ? Duration.ZERO : stageDelay;
        }

        public Script withStageDelay(Duration d) {
            return new Script(stages, steps, stepDelay, manual, previewSide, failure, failAfter, memory, d);
        }

        public static Script done() {
            return new Script(List.of(EngineEvent.Stage.LOAD, EngineEvent.Stage.ENCODE_PROMPT, EngineEvent.Stage.DENOISE),
                    0, Duration.ZERO, false, 32, null, -1, new MemorySnapshot(0, 0, 1L << 30, 0,
                            Map.of("transformer", 1L << 29, "text_encoder", 1L << 28, "vae", 1L << 27), true), Duration.ZERO);
        }

        public static Script failing(FailureKind kind, String message, String suggestion) {
            return done().withFailure(new EngineEvent.Failed(message, suggestion, kind), -1);
        }

        public Script withSteps(int n) {
            return new Script(stages, n, stepDelay, manual, previewSide, failure, failAfter, memory, stageDelay);
        }

        public Script withStepDelay(Duration d) {
            return new Script(stages, steps, d, manual, previewSide, failure, failAfter, memory, stageDelay);
        }

        public Script stepByStep() {
            return new Script(stages, steps, stepDelay, true, previewSide, failure, failAfter, memory, stageDelay);
        }

        public Script withStages(List<String> s) {
            return new Script(s, steps, stepDelay, manual, previewSide, failure, failAfter, memory, stageDelay);
        }

        public Script withPreviewSide(int side) {
            return new Script(stages, steps, stepDelay, manual, side, failure, failAfter, memory, stageDelay);
        }

        /** Ends with {@code f} after {@code afterSteps} steps (-1: after all of them). */
        public Script withFailure(EngineEvent.Failed f, int afterSteps) {
            return new Script(stages, steps, stepDelay, manual, previewSide, f, afterSteps, memory, stageDelay);
        }

        public Script withMemory(MemorySnapshot m) {
            return new Script(stages, steps, stepDelay, manual, previewSide, failure, failAfter, m, stageDelay);
        }
    }

    private final LocalEngine engine;
    private volatile Script defaultScript;
    private final ConcurrentLinkedQueue<Script> next = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Semaphore stepPermits = new Semaphore(0);

    public FakeEngine() {
        this(Script.done());
    }

    public FakeEngine(Script script) {
        this.defaultScript = script;
        this.engine = new LocalEngine(this::replay, this::replay, "atelier-fake-engine");
    }

    /** The script for jobs without a queued one. */
    public void setScript(Script script) {
        this.defaultScript = script;
    }

    /** A script for the next job only (queued scripts are used in order). */
    public void enqueue(Script script) {
        next.add(script);
    }

    /** Releases one step of a {@link Script#stepByStep()} job. */
    public void advance() {
        stepPermits.release();
    }

    /** Every request submitted so far, in order. */
    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    @Override
    public JobHandle run(Request request, EngineListener listener) {
        requests.add(request);
        return engine.run(request, listener);
    }

    @Override
    public void close() {
        engine.close();
    }

    private EngineEvent.Done replay(Request request, JobContext ctx) throws InterruptedException {
        Script s = next.poll();
        if (s == null) {
            s = defaultScript;
        }
        for (String stage : s.stages()) {
            ctx.stage(stage);
            sleepCancellable(s.stageDelay(), ctx);
        }
        ctx.checkCancelled();
        if (s.memory() != null) {
            ctx.memory(s.memory());
        }
        int total = s.steps() > 0 ? s.steps() : request.settings().steps();
        int stepsToRun = s.failure() != null && s.failAfter() >= 0 ? Math.min(s.failAfter(), total) : total;
        int[] size = outputSize(request);
        for (int i = 1; i <= stepsToRun; i++) {
            waitForStep(s, ctx);
            RgbImage preview = s.previewSide() > 0 ? synthetic(s.previewSide(), s.previewSide(), request, (double) i / total)
                    : null;
            ctx.step(i, total, preview);
        }
        if (s.failure() != null) {
            EngineEvent.Failed f = s.failure();
            throw new EngineError(f.kind(), f.message(), f.suggestion());
        }
        RgbImage image = synthetic(size[0], size[1], request, 1.0);
        return ctx.done(image, GenerationParameters.of(request, size[0], size[1], List.of(), "fake-engine", "fake"));
    }

    /** Sleeps {@code d} in short slices, checking for cancellation between them (as the real engine's stages do). */
    private static void sleepCancellable(Duration d, JobContext ctx) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 20));
            ctx.checkCancelled();
        }
    }

    private void waitForStep(Script s, JobContext ctx) throws InterruptedException {
        if (s.manual()) {
            while (!stepPermits.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                ctx.checkCancelled();
            }
        }
        if (!s.stepDelay().isZero()) {
            Thread.sleep(s.stepDelay());
        }
        ctx.checkCancelled();
    }

    static int[] outputSize(Request r) {
        return switch (r) {
            case EditRequest e -> e.outputSize();
            case GenerateRequest g -> new int[] {g.width(), g.height()};
        };
    }

    /** A diagonal gradient tinted by the seed, brightness growing with {@code progress}. */
    static RgbImage synthetic(int w, int h, Request r, double progress) {
        long seed = r.settings().seed();
        int tint = (int) (seed ^ (seed >>> 24)) & 0xFFFFFF;
        int[] p = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double g = progress * (x + y) / (double) Math.max(1, w + h - 2);
                int rr = (int) (g * ((tint >> 16) & 0xFF));
                int gg = (int) (g * ((tint >> 8) & 0xFF));
                int bb = (int) (g * (tint & 0xFF));
                p[y * w + x] = 0xFF000000 | rr << 16 | gg << 8 | bb;
            }
        }
        return new RgbImage(w, h, p);
    }
}
