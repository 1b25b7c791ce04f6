package dev.atelier.inference.api;

/**
 * The engine facade the studio and the CLI use. Jobs run one at a time, in submission order, on the engine's own
 * thread; {@code run} returns at once.
 */
public interface Engine extends AutoCloseable {
    /** Queues a job. The listener gets its events on the engine thread, ending with one {@link EngineEvent.Outcome}. */
    JobHandle run(Request request, EngineListener listener);

    /** Engine version recorded in {@link GenerationParameters#engineVersion()}. */
    default String version() {
        return VERSION;
    }

    /** Cancels queued and running jobs and stops the engine thread. */
    @Override
    void close();

    String VERSION = "atelier-engine 0.1.0";
}
