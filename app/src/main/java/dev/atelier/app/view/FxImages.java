package dev.atelier.app.view;

import dev.atelier.inference.api.RgbImage;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/** Engine images on screen (the engine's ARGB layout is JavaFX's IntArgb: one bulk copy). */
final class FxImages {
    private FxImages() {}

    static WritableImage of(RgbImage img) {
        if (img == null) return null;
        WritableImage w = new WritableImage(img.width(), img.height());
        int[] opaque = img.argb().clone();
        for (int i = 0; i < opaque.length; i++) opaque[i] |= 0xFF000000;
        w.getPixelWriter().setPixels(0, 0, img.width(), img.height(), PixelFormat.getIntArgbInstance(), opaque, 0, img.width());
        return w;
    }

    static javafx.scene.image.Image of(java.awt.image.BufferedImage img) {
        return img == null ? null : javafx.embed.swing.SwingFXUtils.toFXImage(img, null);
    }
}
