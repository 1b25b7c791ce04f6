package dev.atelier.inference.api;

/**
 * A failure the user can act on: {@link #getMessage()} says what happened (naming the file or field), {@link
 * #suggestion()} what to do. Pipelines throw it; the engine turns it into {@link EngineEvent.Failed}.
 */
public class EngineError extends RuntimeException {
    private final FailureKind kind;
    private final String suggestion;

    public EngineError(FailureKind kind, String message, String suggestion) {
        this(kind, message, suggestion, null);
    }

    public EngineError(FailureKind kind, String message, String suggestion, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.suggestion = suggestion == null ? "" : suggestion;
    }

    public FailureKind kind() {
        return kind;
    }

    public String suggestion() {
        return suggestion;
    }

    public static EngineError badInput(String message, String suggestion) {
        return new EngineError(FailureKind.BAD_INPUT, message, suggestion);
    }

    public static EngineError cancelled() {
        return new EngineError(FailureKind.CANCELLED, "cancelled", "");
    }

    public static EngineError outOfMemory(String message, Throwable cause) {
        return new EngineError(FailureKind.OUT_OF_MEMORY, message,
                "Use the quick-preview preset (fp8 weights), a smaller size, or lower the VRAM budget in settings so "
                        + "weights stream from system memory.", cause);
    }

    public static EngineError notAvailable(String message) {
        return new EngineError(FailureKind.NOT_AVAILABLE, message, "Update Atelier; this build cannot run it yet.");
    }

    public EngineEvent.Failed toEvent() {
        return new EngineEvent.Failed(getMessage(), suggestion, kind);
    }
}
