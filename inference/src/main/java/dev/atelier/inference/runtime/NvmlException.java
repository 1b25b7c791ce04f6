package dev.atelier.inference.runtime;

/** NVML is missing, too old, or a call failed; the message says which and what to do. */
public final class NvmlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NvmlException(String message) {
        super(message);
    }

    public NvmlException(String message, Throwable cause) {
        super(message, cause);
    }
}
