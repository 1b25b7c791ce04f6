package dev.atelier.app.io;

import java.io.IOException;

/** An I/O failure whose message is written for the user: it names the file and says what to do. */
public final class UserFacingException extends IOException {
    public UserFacingException(String message) {
        super(message);
    }

    public UserFacingException(String message, Throwable cause) {
        super(message, cause);
    }
}
