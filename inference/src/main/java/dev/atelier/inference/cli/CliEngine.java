package dev.atelier.inference.cli;

import dev.atelier.inference.api.Engine;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.JobHandle;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.engine.LocalEngine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/** Runs one request for a CLI command: progress on stderr, the image written atomically on success. */
final class CliEngine {
    /**
     * Exit codes: 0 done, 2 bad arguments or input (a field, an image, a missing, damaged or wrong model file), 3 the
     * engine failed (out of memory, not available, internal, the output could not be written), 130 cancelled (Ctrl+C).
     */
    static final int OK = 0;
    static final int BAD_INPUT = 2;
    static final int FAILED = 3;
    static final int CANCELLED = 130;

    /** Which engine the commands use; tests install a fake. The pipelines replace the default when they land. */
    static volatile Supplier<Engine> factory = dev.atelier.inference.engine.QwenImageRunners::localEngine;

    private CliEngine() {}

    static int run(Request request, Path out, PrintWriter stdout, PrintWriter err) {
        try (Engine engine = factory.get()) {
            long[] peak = {-1};
            EngineEvent.Memory[] last = new EngineEvent.Memory[1];
            JobHandle job = engine.run(request, e -> {
                if (e instanceof EngineEvent.Memory m) {
                    peak[0] = Math.max(peak[0], m.snapshot().processUsed());
                    last[0] = m;
                }
                progress(e, err);
            });
            Thread hook = new Thread(job::cancel, "atelier-cancel");
            Runtime.getRuntime().addShutdownHook(hook);
            EngineEvent.Outcome outcome;
            try {
                outcome = job.await();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting (Ctrl+C): the hook has cancelled the job
                }
            }
            if (last[0] != null) {
                var m = last[0].snapshot();
                err.println("memory: peak " + (m.cpuOnly() ? "process RSS " : "GPU (this process) ")
                        + dev.atelier.inference.runtime.Bytes.format(peak[0]) + " sampled"
                        + (m.budget() > 0 ? ", budget " + dev.atelier.inference.runtime.Bytes.format(m.budget()) : "")
                        + ", components " + m.components());
                err.flush();
            }
            return switch (outcome) {
                case EngineEvent.Done d -> write(d, out, stdout, err);
                case EngineEvent.Failed f -> {
                    err.println("error: " + f.message());
                    if (!f.suggestion().isEmpty()) {
                        err.println("  " + f.suggestion());
                    }
                    err.flush();
                    yield exitCode(f.kind());
                }
            };
        }
    }

    static int exitCode(FailureKind kind) {
        return switch (kind) {
            case CANCELLED -> CANCELLED;
            case BAD_INPUT, MODEL_MISSING, MODEL_INVALID -> BAD_INPUT;
            case OUT_OF_MEMORY, NOT_AVAILABLE, INTERNAL -> FAILED;
        };
    }

    private static int write(EngineEvent.Done d, Path out, PrintWriter stdout, PrintWriter err) {
        try {
            CliImageFiles.write(d.image(), d.parameters(), out);
        } catch (IOException | IllegalArgumentException e) {
            // an IllegalArgumentException is CliImageFiles.checkOutput's message, naming --out already
            err.println("error: " + (e instanceof IllegalArgumentException ? e.getMessage()
                    : "cannot write " + out + ": " + CliImageFiles.reason(e)));
            err.println("  " + (java.nio.file.Files.exists(out) ? out + " was left as it was. " : "")
                    + "Free disk space or choose another --out.");
            rescue(d, out, err);
            err.flush();
            return FAILED;
        }
        stdout.printf(Locale.ROOT, "wrote %s (%dx%d, seed %d) in %.1f s%n", out, d.image().width(), d.image().height(),
                d.parameters().seed(), d.elapsed().toMillis() / 1000.0);
        stdout.flush();
        return OK;
    }

    /** Where the image of a run whose output could not be written is saved instead (tests point it elsewhere). */
    static volatile Path rescueDir = Path.of(System.getProperty("java.io.tmpdir"));

    /** Saves the result of a run whose {@code out} could not be written, so the work is not lost. */
    private static void rescue(EngineEvent.Done d, Path out, PrintWriter err) {
        Path copy = rescueDir.resolve("atelier-" + d.parameters().seed() + "-" + System.currentTimeMillis() + "."
                + CliImageFiles.extension(out));
        try {
            CliImageFiles.write(d.image(), d.parameters(), copy);
            err.println("  The image was saved to " + copy + " instead.");
        } catch (IOException | IllegalArgumentException e) {
            err.println("  The image could not be saved to " + copy + " either (" + CliImageFiles.reason(e) + ").");
        }
    }

    private static void progress(EngineEvent e, PrintWriter err) {
        switch (e) {
            case EngineEvent.Stage s -> err.println(s.name() + "...");
            case EngineEvent.Step s -> err.printf(Locale.ROOT, "step %d/%d  %.1f s%n", s.index(), s.total(),
                    s.elapsed().toMillis() / 1000.0);
            case EngineEvent.Memory m -> { }
            case EngineEvent.Done d -> { }
            case EngineEvent.Failed f -> { }
        }
        err.flush();
    }
}
