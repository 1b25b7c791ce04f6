package dev.atelier.app.document;

import java.awt.image.BufferedImage;

/** A reference image for multi-image edits; the image is never modified once created. */
public record ReferenceImage(String name, BufferedImage image) {}
