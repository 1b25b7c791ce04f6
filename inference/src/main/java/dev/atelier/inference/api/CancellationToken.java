package dev.atelier.inference.api;

/**
 * Cooperative cancellation: {@link JobHandle#cancel()} sets it, pipelines call {@link #throwIfCancelled()} between
 * steps (and between load/encode stages), so a job stops within one step and its per-run native memory is released
 * by the managers the pipeline closes while unwinding.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** @throws EngineError of kind {@link FailureKind#CANCELLED} once cancelled */
    public void throwIfCancelled() {
        if (cancelled) {
            throw EngineError.cancelled();
        }
    }
}
