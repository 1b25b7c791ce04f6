package dev.atelier.app.io;

import dev.atelier.app.Messages;
import java.io.IOException;

/**
 * An I/O failure whose message is written for the user: it names the file and says what to do.
 *
 * <p>The studio's own messages carry a key of {@code ui/i18n/messages*.properties} and its arguments
 * ({@link #of}): {@link #getMessage()} is the English text (logs, tests), {@link #message(Messages)} the text in
 * the studio's language, resolved where the error is shown. A plain text ({@link #UserFacingException(String)}, e.g.
 * one from the engine) is shown as it is in every language.
 */
public final class UserFacingException extends IOException {
    private final String key;
    private final Object[] args;

    /** A text shown as it is in every language (one that is not the studio's, such as the engine's). */
    public UserFacingException(String message) {
        this(message, (Throwable) null);
    }

    public UserFacingException(String message, Throwable cause) {
        super(message, cause);
        this.key = null;
        this.args = new Object[0];
    }

    private UserFacingException(Throwable cause, String key, Object[] args) {
        super(Messages.english().get(key, args), cause);
        this.key = key;
        this.args = args.clone();
    }

    /** The message {@code key} of the studio's bundles with its {@code {0}}-style arguments. */
    public static UserFacingException of(String key, Object... args) {
        return new UserFacingException(null, key, args);
    }

    /** As {@link #of(String, Object...)}, caused by {@code cause}. */
    public static UserFacingException of(Throwable cause, String key, Object... args) {
        return new UserFacingException(cause, key, args);
    }

    /** The message in the language of {@code messages}; a plain text as it is. */
    public String message(Messages messages) {
        return key == null ? getMessage() : messages.get(key, args);
    }
}
