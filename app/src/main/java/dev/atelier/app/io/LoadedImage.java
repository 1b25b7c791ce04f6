package dev.atelier.app.io;

import dev.atelier.app.Messages;
import dev.atelier.app.document.GenerationParameters;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A decoded image as 8-bit ARGB, oriented for display; {@code notices} tell the user what was converted
 * (16-bit, CMYK, downsampled, truncated), shown in the studio's language ({@link #notes(Messages)});
 * {@code parameters} are the embedded generation parameters or null.
 */
public record LoadedImage(BufferedImage image, List<Note> notices, GenerationParameters parameters) {
    public LoadedImage {
        notices = List.copyOf(notices);
    }

    /** The notes in English (logs, tests). */
    public List<String> notes() {
        return notices.stream().map(Note::text).toList();
    }

    /** The notes in the language of {@code messages}. */
    public List<String> notes(Messages messages) {
        return notices.stream().map(n -> n.message(messages)).toList();
    }
}
