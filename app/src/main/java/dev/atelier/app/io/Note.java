package dev.atelier.app.io;

import dev.atelier.app.Messages;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A note for the user about how an image was opened (converted, reduced, damaged): a key of
 * {@code ui/i18n/messages*.properties} with its {@code {0}}-style arguments, rendered in the studio's language
 * where shown, as {@link UserFacingException#of}.
 */
public record Note(String key, List<Object> args) {
    public Note {
        args = Collections.unmodifiableList(Arrays.asList(args.toArray()));
    }

    public static Note of(String key, Object... args) {
        return new Note(key, Arrays.asList(args));
    }

    /** The English text (logs, tests), whatever the JVM's locale. */
    public String text() {
        return message(Messages.english());
    }

    /** The text in the language of {@code messages}. */
    public String message(Messages messages) {
        return messages.get(key, args.toArray());
    }
}
