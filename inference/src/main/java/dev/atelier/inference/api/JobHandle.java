package dev.atelier.inference.api;

import java.util.concurrent.CompletableFuture;

/** A submitted job. */
public interface JobHandle {
    /** Asks the job to stop; it ends with {@code Failed(kind = CANCELLED)} within one step. Idempotent. */
    void cancel();

    /** Completes with the job's last event (also delivered to the listener first). Never completes exceptionally. */
    CompletableFuture<EngineEvent.Outcome> outcome();

    default boolean isDone() {
        return outcome().isDone();
    }

    /** Blocks until the job ends. */
    default EngineEvent.Outcome await() {
        return outcome().join();
    }
}
