package dev.atelier.inference.model.qwenvl;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved {@code R G B} (numpy's HWC {@code uint8} layout, what
 * PIL's {@code np.asarray(image.convert("RGB"))} gives).
 *
 * <p>{@link #of(BufferedImage)} converts other layouts the way PIL's {@code convert("RGB")} does: grayscale is
 * replicated into the three channels, alpha is dropped (not composited), CMYK uses PIL's
 * {@code r = (255 - k) - (c * (255 - k) + 127) / 255} rule, palettes are looked up. 16-bit samples keep their
 * high byte, as PIL does for 16-bit RGB PNGs. (PIL would clip 16-bit grayscale to 255 instead, whitening most
 * photos; we keep the high byte there too.) Colour-managed colour spaces are not converted: the stored samples
 * are taken as sRGB, like PIL without ImageCms.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, expected " + width + "*" + height + "*3");
        }
    }

    /** Sample {@code c} (0 = R) of pixel {@code (x, y)}, 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Reads an image file (PNG, JPEG, BMP, ... whatever ImageIO reads) and converts it to RGB. */
    public static RgbImage read(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new IllegalArgumentException(file + ": not an image format this build can read (PNG, JPEG, BMP, GIF)");
            }
            return of(img);
        } catch (javax.imageio.IIOException e) {
            if (String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
                throw new IllegalArgumentException(file + ": a CMYK/YCCK JPEG, which the Java image reader cannot decode;"
                        + " save it as an RGB JPEG or PNG", e);
            }
            throw new UncheckedIOException(file + ": cannot read image: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read image: " + e.getMessage(), e);
        }
    }

    /** Converts any {@link BufferedImage} to RGB with PIL {@code convert("RGB")} semantics (see class comment). */
    public static RgbImage of(BufferedImage img) {
        Objects.requireNonNull(img, "image");
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        int bands = r.getNumBands();
        if (cm instanceof IndexColorModel icm) {
            int[] idx = r.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < idx.length; i++) {
                out[i * 3] = (byte) icm.getRed(idx[i]);
                out[i * 3 + 1] = (byte) icm.getGreen(idx[i]);
                out[i * 3 + 2] = (byte) icm.getBlue(idx[i]);
            }
            return new RgbImage(w, h, out);
        }
        if (cm instanceof ComponentColorModel || bands <= 2 || bands == 4 && isCmyk(cm)) {
            int shift = sampleShift(r);
            int colourBands = cm.getColorSpace().getNumComponents();
            int[][] s = new int[bands][];
            for (int b = 0; b < bands; b++) {
                s[b] = r.getSamples(0, 0, w, h, b, (int[]) null);
            }
            for (int i = 0; i < w * h; i++) {
                int rr;
                int gg;
                int bb;
                if (colourBands == 1) {
                    rr = gg = bb = s[0][i] >>> shift;
                } else if (colourBands == 4) {
                    int nk = 255 - (s[3][i] >>> shift);
                    rr = cmyk(s[0][i] >>> shift, nk);
                    gg = cmyk(s[1][i] >>> shift, nk);
                    bb = cmyk(s[2][i] >>> shift, nk);
                } else {
                    rr = s[0][i] >>> shift;
                    gg = s[1][i] >>> shift;
                    bb = s[2][i] >>> shift;
                }
                out[i * 3] = (byte) rr;
                out[i * 3 + 1] = (byte) gg;
                out[i * 3 + 2] = (byte) bb;
            }
            return new RgbImage(w, h, out);
        }
        // Packed layouts (INT_RGB, INT_ARGB, 4BYTE_ABGR, USHORT_565, ...): the colour model unpacks to sRGB 8-bit.
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                int o = (y * w + x) * 3;
                out[o] = (byte) (argb >> 16);
                out[o + 1] = (byte) (argb >> 8);
                out[o + 2] = (byte) argb;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** PIL {@code cmyk2rgb}: {@code nk - MULDIV255(c, nk)} with {@code MULDIV255(a, b) = ((a*b+128) + ((a*b+128) >> 8)) >> 8}. */
    private static int cmyk(int c, int nk) {
        int t = c * nk + 128;
        return Math.clamp(nk - (((t >> 8) + t) >> 8), 0, 255);
    }

    private static boolean isCmyk(ColorModel cm) {
        return cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK;
    }

    private static int sampleShift(Raster r) {
        int bits = r.getSampleModel().getSampleSize(0);
        int type = r.getDataBuffer().getDataType();
        if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
            throw new IllegalArgumentException("floating-point images are not supported; save the photo as 8- or 16-bit");
        }
        return Math.max(0, bits - 8);
    }

    /** This image as a {@link BufferedImage#TYPE_3BYTE_BGR}. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        int[] px = new int[width * height * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = rgb[i] & 0xff;
        }
        img.getRaster().setPixels(0, 0, width, height, px);
        return img;
    }

    /** Writes a PNG. */
    public void writePng(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(toBufferedImage(), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write PNG: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height
                && java.util.Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + java.util.Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
