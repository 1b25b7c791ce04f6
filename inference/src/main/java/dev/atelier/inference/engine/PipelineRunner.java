package dev.atelier.inference.engine;

import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.Request;

/**
 * One kind of job (edit, text-to-image) as the {@link LocalEngine} runs it on its thread. A runner reports progress
 * through the context, calls {@code ctx.checkCancelled()} between steps and stages, owns the native memory it
 * allocates (closing its managers also when it unwinds on cancellation), and returns the {@code Done} event
 * ({@link JobContext#done}). Throw {@code EngineError} for failures the user can act on.
 */
@FunctionalInterface
public interface PipelineRunner<R extends Request> {
    EngineEvent.Done run(R request, JobContext ctx) throws Exception;
}
