package dev.atelier.inference.image;

import dev.atelier.inference.api.ImageDecodeWarnings;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The engine's image file reader (CLI, parity checks, pipelines): the size is checked from the header
 * ({@link ImageLimits}) before any pixel buffer is allocated, and pixels are converted as Pillow sees them
 * ({@link BufferedImages}: {@code convert("RGB")}; {@link #readMask}: {@code convert("L")}).
 */
public final class ImageFiles {
    private ImageFiles() {}

    /** {@link #read} converted with {@link BufferedImages#toRgbImage} (alpha kept in the ARGB high byte). */
    public static RgbImage readRgb(Path file) throws IOException {
        return BufferedImages.toRgbImage(read(file));
    }

    /** A mask file as Pillow's {@code convert("L")}: gray images as stored, colour ones by ITU-R 601 luma. */
    public static MaskImage readMask(Path file) throws IOException {
        return toMask(readRgb(file));
    }

    /** Pillow's {@code convert("L")} of an RGB image: {@code (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16}. */
    public static MaskImage toMask(RgbImage img) {
        byte[] rgb = img.toRgbBytes();
        byte[] v = new byte[img.width() * img.height()];
        for (int i = 0; i < v.length; i++) {
            int r = rgb[3 * i] & 0xFF;
            int g = rgb[3 * i + 1] & 0xFF;
            int b = rgb[3 * i + 2] & 0xFF;
            v[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new MaskImage(img.width(), img.height(), v);
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
                byte[] head;
                try (var bytes = Files.newInputStream(file)) {
                    head = bytes.readNBytes(12);
                }
                String cutShort = ImageDecodeWarnings.cutShortWebp(file.getFileName().toString(), head, Files.size(file));
                if (cutShort != null) {
                    throw new IOException(cutShort);
                }
                throw new IOException(file + ": not an image format this build can read (PNG, JPEG, BMP, GIF, WebP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                ImageLimits.check(file.getFileName().toString(), w, h, 4 + 4 + 12);
                // a truncated JPEG decodes without an exception (the missing rows come out gray); its decoder warns
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                String cutShort = ImageDecodeWarnings.cutShort(file.getFileName().toString(), warnings);
                if (cutShort != null) {
                    throw new IOException(cutShort);
                }
                return img;
            } finally {
                reader.dispose();
            }
        }
    }
}
