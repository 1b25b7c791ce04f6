package dev.atelier.inference.pipeline;

import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reading images and masks as Pillow sees them ({@code convert("RGB")}, {@code convert("L")}). */
public final class PipelineImages {
    private PipelineImages() {}

    public static RgbImage readRgb(Path file) {
        return dev.atelier.inference.image.BufferedImages.toRgbImage(decode(file));
    }

    /** A mask as Pillow's {@code convert("L")}: gray images as stored, colour ones by ITU-R 601 luma. */
    public static MaskImage readMask(Path file) {
        return toMask(dev.atelier.inference.image.BufferedImages.toRgbImage(decode(file)));
    }

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

    private static BufferedImage decode(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new IllegalArgumentException(file + ": not an image this build can read (PNG, JPEG, WebP)");
            }
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
