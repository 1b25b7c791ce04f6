package dev.atelier.app.io;

import dev.atelier.app.document.Document;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.document.ResultImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * An immutable copy of a document's saved state, taken on the FX thread and written on a background thread.
 * Images are shared (documents never modify them); the mask is copied.
 */
public record ProjectSnapshot(
        BufferedImage photo,
        String photoName,
        int maskWidth,
        int maskHeight,
        byte[] mask,
        List<ReferenceImage> references,
        List<ResultImage> results,
        GenerationParameters parameters,
        Path origin,
        long version,
        String savePoint) {

    public static ProjectSnapshot of(Document d) {
        return new ProjectSnapshot(d.photo(), d.photoName(), d.mask().width(), d.mask().height(), d.mask().data().clone(),
                d.references(), d.results(), d.parameters(), d.projectFile(), d.version(), d.savePoint());
    }
}
