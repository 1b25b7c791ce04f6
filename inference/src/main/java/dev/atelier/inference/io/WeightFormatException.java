package dev.atelier.inference.io;

import java.nio.file.Path;

/** A weight file that cannot be used; the message names the file, the tensor if any, and what is wrong. */
public class WeightFormatException extends RuntimeException {
    private final Path file;

    public WeightFormatException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public WeightFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
