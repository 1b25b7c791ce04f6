package dev.atelier.inference.engine;

import dev.atelier.inference.api.CancellationToken;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.Engine;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.EngineListener;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.JobHandle;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.io.WeightFormatException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The in-process engine: one daemon thread runs jobs in order through the registered {@link PipelineRunner}s;
 * request kinds without a runner fail with {@link FailureKind#NOT_AVAILABLE}. Exceptions become {@code Failed}
 * events: {@link EngineError} keeps its kind, out-of-memory errors (Java heap or libtorch "out of memory") become
 * OUT_OF_MEMORY, a damaged or wrong weight file ({@link WeightFormatException}, its message naming the file)
 * MODEL_INVALID, {@link IllegalArgumentException} BAD_INPUT, anything else INTERNAL.
 */
public final class LocalEngine implements Engine {
    private final PipelineRunner<EditRequest> edit;
    private final PipelineRunner<GenerateRequest> generate;
    private final ExecutorService thread;
    private final Set<Job> live = ConcurrentHashMap.newKeySet();
    private final AutoCloseable resources;

    public LocalEngine(PipelineRunner<EditRequest> edit, PipelineRunner<GenerateRequest> generate) {
        this(edit, generate, "atelier-engine");
    }

    public LocalEngine(PipelineRunner<EditRequest> edit, PipelineRunner<GenerateRequest> generate, String threadName) {
        this(edit, generate, threadName, null);
    }

    /**
     * @param resources closed on the engine thread after the jobs already queued when the engine is closed (loaded
     *                  models), or null
     */
    public LocalEngine(PipelineRunner<EditRequest> edit, PipelineRunner<GenerateRequest> generate, String threadName,
            AutoCloseable resources) {
        this.edit = edit;
        this.generate = generate;
        this.resources = resources;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** An engine with no pipelines yet: every job ends with NOT_AVAILABLE. */
    public static LocalEngine withoutPipelines() {
        return new LocalEngine(null, null);
    }

    @Override
    public JobHandle run(Request request, EngineListener listener) {
        Objects.requireNonNull(request, "request");
        Job job = new Job(listener == null ? EngineListener.NONE : listener);
        live.add(job);
        try {
            thread.execute(() -> execute(job, request));
        } catch (RejectedExecutionException e) {
            job.finish(new EngineEvent.Failed("the engine is shut down", "Restart Atelier.", FailureKind.INTERNAL));
        }
        return job;
    }

    private void execute(Job job, Request request) {
        JobContext ctx = new JobContext(job.listener, job.token);
        EngineEvent.Outcome outcome;
        try {
            ctx.checkCancelled();
            outcome = switch (request) {
                case EditRequest e -> runWith(edit, e, ctx, "edit");
                case GenerateRequest g -> runWith(generate, g, ctx, "text-to-image");
            };
        } catch (Throwable t) {
            outcome = failure(t);
        }
        job.finish(outcome);
    }

    private static <R extends Request> EngineEvent.Outcome runWith(PipelineRunner<R> runner, R request, JobContext ctx,
            String what) throws Exception {
        if (runner == null) {
            throw EngineError.notAvailable("the " + what + " pipeline is not available in this build yet");
        }
        return Objects.requireNonNull(runner.run(request, ctx), "pipeline returned no result");
    }

    /** Maps any throwable of a pipeline to the user-facing failure. */
    public static EngineEvent.Failed failure(Throwable t) {
        if (t instanceof EngineError e) {
            return e.toEvent();
        }
        if (isOutOfMemory(t)) {
            return EngineError.outOfMemory("ran out of memory: " + t.getMessage(), t).toEvent();
        }
        if (t instanceof WeightFormatException) {
            return new EngineEvent.Failed(t.getMessage(), "Download the file again (the download may be incomplete), "
                    + "or choose the right file for this component.", FailureKind.MODEL_INVALID);
        }
        if (t instanceof IllegalArgumentException) {
            return new EngineEvent.Failed(t.getMessage(), "Check the highlighted setting.", FailureKind.BAD_INPUT);
        }
        return new EngineEvent.Failed("internal error: " + t.getClass().getSimpleName() + ": " + t.getMessage(),
                "Please report this with the log file.", FailureKind.INTERNAL);
    }

    static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("out of memory")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        live.forEach(Job::cancel);
        if (resources != null) {
            try {
                thread.execute(() -> {
                    try {
                        resources.close();
                    } catch (Exception ignored) {
                        // best effort at shutdown
                    }
                });
            } catch (RejectedExecutionException alreadyClosed) {
                return;
            }
        }
        thread.shutdown();
    }

    private final class Job implements JobHandle {
        final EngineListener listener;
        final CancellationToken token = new CancellationToken();
        final CompletableFuture<EngineEvent.Outcome> outcome = new CompletableFuture<>();

        Job(EngineListener listener) {
            this.listener = listener;
        }

        @Override
        public void cancel() {
            token.cancel();
        }

        @Override
        public CompletableFuture<EngineEvent.Outcome> outcome() {
            return outcome;
        }

        void finish(EngineEvent.Outcome o) {
            try {
                listener.on(o);
            } catch (RuntimeException ignored) {
                // see JobContext.emit
            }
            live.remove(this);
            outcome.complete(o);
        }
    }
}
