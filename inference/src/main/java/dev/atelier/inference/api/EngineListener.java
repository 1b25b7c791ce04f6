package dev.atelier.inference.api;

/**
 * Receives a job's events on the engine thread: keep it quick (UIs hand them to their own thread, e.g. with
 * {@code Platform.runLater}). An exception thrown here is ignored for that event and does not stop the job.
 */
@FunctionalInterface
public interface EngineListener {
    void on(EngineEvent event);

    EngineListener NONE = e -> {};
}
