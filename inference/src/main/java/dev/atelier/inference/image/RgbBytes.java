package dev.atelier.inference.image;

import dev.atelier.inference.api.RgbImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * Internal HWC view of an image for the resampling and processor code: 8-bit RGB, rows top to bottom, pixels
 * interleaved {@code R G B} (numpy's {@code uint8 [H, W, 3]}, what PIL's {@code np.asarray(image.convert("RGB"))}
 * gives). The user-facing image type is {@link RgbImage}; convert with {@link #of(RgbImage)} (alpha dropped, as
 * PIL's {@code convert("RGB")}) and {@link #toRgbImage()}.
 */
public record RgbBytes(int width, int height, byte[] rgb) {
    public RgbBytes {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, expected " + width + "*" + height + "*3");
        }
    }

    /** The RGB channels of {@code img} (alpha dropped). */
    public static RgbBytes of(RgbImage img) {
        return new RgbBytes(img.width(), img.height(), img.toRgbBytes());
    }

    /** An opaque {@link RgbImage} of these pixels. */
    public RgbImage toRgbImage() {
        return RgbImage.fromRgbBytes(width, height, rgb);
    }

    /** Sample {@code c} (0 = R) of pixel {@code (x, y)}, 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Resized to {@code outW x outH} with {@link Resample} (a copy when the size is unchanged). */
    public RgbBytes resize(int outW, int outH, Resample.Filter filter, Resample.Quantization q) {
        return new RgbBytes(outW, outH, Resample.resize(rgb, width, height, 3, outW, outH, filter, q));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbBytes other && width == other.width && height == other.height
                && Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbBytes[" + width + "x" + height + "]";
    }
}
