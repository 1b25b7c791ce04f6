package dev.atelier.app.io;

import dev.atelier.app.document.GenerationParameters;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A decoded image as 8-bit ARGB, oriented for display; {@code notes} tell the user what was converted
 * (16-bit, CMYK, downsampled, truncated); {@code parameters} are the embedded generation parameters or null.
 */
public record LoadedImage(BufferedImage image, List<String> notes, GenerationParameters parameters) {
    public LoadedImage {
        notes = List.copyOf(notes);
    }
}
