package dev.atelier.inference.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Reads image files after checking their size from the header, so no pixel buffer is allocated for a bad size. */
public final class ImageFiles {
    private ImageFiles() {}

    /** {@link #read} converted with {@link BufferedImages#toRgbImage} (alpha kept in the ARGB high byte). */
    public static dev.atelier.inference.api.RgbImage readRgb(Path file) throws IOException {
        return BufferedImages.toRgbImage(read(file));
    }

    /** Reads the first image of a file (PNG, JPEG, BMP, GIF, and whatever ImageIO plugins are present). */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + ": not an image format this build can read (PNG, JPEG, BMP, GIF, WebP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                ImageLimits.check(file.getFileName().toString(), w, h, 4 + 4 + 12);
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        }
    }
}
