package dev.atelier.inference.engine;

import dev.atelier.inference.api.CancellationToken;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.EngineListener;
import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.MemorySnapshot;
import dev.atelier.inference.api.RgbImage;
import java.time.Duration;

/** What a running pipeline talks to: progress events and the cancellation token. */
public final class JobContext {
    private final EngineListener listener;
    private final CancellationToken token;
    private final long startNanos;
    private volatile java.util.function.Supplier<MemorySnapshot> memorySource;
    private MemorySnapshot lastMemory;

    public JobContext(EngineListener listener, CancellationToken token) {
        this.listener = listener;
        this.token = token;
        this.startNanos = System.nanoTime();
    }

    public CancellationToken token() {
        return token;
    }

    /** @throws dev.atelier.inference.api.EngineError (CANCELLED) once the job was cancelled */
    public void checkCancelled() {
        token.throwIfCancelled();
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    public void stage(String name) {
        checkCancelled();
        emit(new EngineEvent.Stage(name));
        pollMemory();
    }

    /** Reports step {@code index} of {@code total} (1-based) done, then checks for cancellation. */
    public void step(int index, int total, RgbImage preview) {
        emit(new EngineEvent.Step(index, total, preview, elapsed()));
        pollMemory();
        checkCancelled();
    }

    /**
     * Where the latest memory reading comes from while a job runs (null: none); a new reading becomes a Memory
     * event after the next stage or step.
     */
    public void memorySource(java.util.function.Supplier<MemorySnapshot> source) {
        memorySource = source;
        lastMemory = null;
    }

    private void pollMemory() {
        var src = memorySource;
        if (src == null) {
            return;
        }
        MemorySnapshot s;
        try {
            s = src.get();
        } catch (RuntimeException e) {
            return; // a reading failed: the next one may work
        }
        if (s != null && s != lastMemory) {
            lastMemory = s;
            memory(s);
        }
    }

    public void memory(MemorySnapshot snapshot) {
        emit(new EngineEvent.Memory(snapshot));
    }

    public EngineEvent.Done done(RgbImage image, GenerationParameters parameters) {
        return new EngineEvent.Done(image, parameters, elapsed());
    }

    void emit(EngineEvent e) {
        try {
            listener.on(e);
        } catch (RuntimeException ignored) {
            // A listener bug must not kill the job; the event is dropped for that listener only.
        }
    }
}
