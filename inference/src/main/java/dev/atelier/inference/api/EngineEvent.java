package dev.atelier.inference.api;

import java.time.Duration;

/**
 * What a running job reports, in order: {@link Stage}s, {@link Step}s and {@link Memory} snapshots, then exactly one
 * {@link Outcome} ({@link Done} or {@link Failed}, cancellation included). Delivered on the engine thread.
 */
public sealed interface EngineEvent {
    /** A phase of the run; names are the constants below (UIs may show any string they receive). */
    record Stage(String name) implements EngineEvent {
        public static final String LOAD = "Loading models";
        public static final String ENCODE_PROMPT = "Reading the prompt";
        public static final String ENCODE_IMAGES = "Encoding images";
        public static final String DENOISE = "Denoising";
        public static final String DECODE = "Decoding";
        public static final String COMPOSITE = "Compositing";
    }

    /**
     * A finished denoising step.
     *
     * @param index   steps done so far, 1..total
     * @param preview cheap low-resolution preview of the current estimate (may be null)
     * @param elapsed time since the job started
     */
    record Step(int index, int total, RgbImage preview, Duration elapsed) implements EngineEvent {
        /** Remaining time by linear extrapolation of the steps so far. */
        public Duration estimatedRemaining() {
            return index <= 0 ? Duration.ZERO : elapsed.multipliedBy(total - index).dividedBy(index);
        }
    }

    record Memory(MemorySnapshot snapshot) implements EngineEvent {}

    /** The last event of a job. */
    sealed interface Outcome extends EngineEvent permits Done, Failed {}

    /** The final image, at the requested size, with everything needed to reproduce it. */
    record Done(RgbImage image, GenerationParameters parameters, Duration elapsed) implements Outcome {}

    /**
     * @param message    what happened (names the file or field)
     * @param suggestion what the user can do ("" when nothing)
     */
    record Failed(String message, String suggestion, FailureKind kind) implements Outcome {
        public boolean cancelled() {
            return kind == FailureKind.CANCELLED;
        }
    }
}
