package dev.atelier.app.document;

import java.awt.image.BufferedImage;
import java.time.Instant;

/** A generated image kept in the document's history with what produced it; the image is never modified. */
public record ResultImage(String id, BufferedImage image, GenerationParameters parameters, Instant created, boolean accepted) {
    public ResultImage withAccepted(boolean value) {
        return new ResultImage(id, image, parameters, created, value);
    }
}
