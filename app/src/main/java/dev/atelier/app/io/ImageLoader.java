package dev.atelier.app.io;

import dev.atelier.app.document.GenerationParameters;
import dev.atelier.inference.api.ImageDecodeWarnings;
import dev.atelier.inference.api.WebpXmp;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;

/**
 * Opens PNG, JPEG, WebP, TIFF and BMP through ImageIO. The size is read from the header before any pixel is
 * decoded: an image over the pixel limit is decoded subsampled (with a note), never into an OutOfMemoryError.
 */
public final class ImageLoader {
    /** Largest image edited at full size (a 6000x4000 photo is 24 MP). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    private final long maxPixels;

    public ImageLoader() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageLoader(long maxPixels) {
        // Decoding needs about 3 copies of 4 bytes per pixel at peak; stay well inside the heap.
        long heapLimit = Runtime.getRuntime().maxMemory() / 24;
        this.maxPixels = Math.max(1, Math.min(maxPixels, heapLimit));
    }

    public LoadedImage load(Path file) throws UserFacingException {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] head;
        long size;
        try {
            size = Files.size(file);
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(256 * 1024);
            }
        } catch (NoSuchFileException e) {
            throw UserFacingException.of(e, "error.image.notFound", name, file.toAbsolutePath().getParent());
        } catch (AccessDeniedException e) {
            throw UserFacingException.of(e, "error.image.permission", name);
        } catch (IOException e) {
            throw UserFacingException.of(e, "error.image.cannotRead", name, AtomicFiles.describe(e));
        }
        if (size == 0) {
            throw UserFacingException.of("error.image.empty", name);
        }
        if (WebpXmp.isWebp(head) && size > head.length && size < Integer.MAX_VALUE - 64) {
            try {
                head = Files.readAllBytes(file); // the XMP chunk with the parameters is at the end
            } catch (IOException e) {
                throw UserFacingException.of(e, "error.image.cannotRead", name, AtomicFiles.describe(e));
            }
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                String cutShort = ImageDecodeWarnings.cutShortWebp(name, head, size);
                if (cutShort != null) throw new UserFacingException(cutShort + ".");
                throw UserFacingException.of("error.image.notImage", name);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                return decode(reader, name, head);
            } finally {
                reader.dispose();
            }
        } catch (UserFacingException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw UserFacingException.of(e, "error.image.damaged", name, AtomicFiles.describe(e));
        }
    }

    private LoadedImage decode(ImageReader reader, String name, byte[] head) throws IOException {
        List<Note> notes = new ArrayList<>();
        int w = reader.getWidth(0), h = reader.getHeight(0);
        if (w <= 0 || h <= 0) throw UserFacingException.of("error.image.emptySize", name, w, h);
        long pixels = (long) w * h;
        int sub = 1;
        while (pixels / ((long) sub * sub) > maxPixels) sub++;
        ImageReadParam param = reader.getDefaultReadParam();
        if (sub > 1) {
            param.setSourceSubsampling(sub, sub, 0, 0);
            int sw = (w + sub - 1) / sub, sh = (h + sub - 1) / sub;
            notes.add(Note.of("note.image.subsampled", name, w, h, pixels / 1_000_000, maxPixels / 1_000_000, sub, sw, sh));
        }
        if (sub > 1 && !subsamples(reader)) {
            // This decoder (WebP) ignores subsampling: the full image is decoded first, then reduced.
            long need = pixels * 8; // decoded ARGB + our copy
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (need > free * 0.8) {
                throw UserFacingException.of("error.image.tooLarge", name, w, h, pixels / 1_000_000,
                        rt.maxMemory() / (1 << 20), maxPixels / 1_000_000);
            }
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((src, msg) -> warnings.add(msg));
        BufferedImage raw;
        try {
            raw = reader.read(0, param);
        } catch (IIOException e) {
            Raster r = cmykRaster(reader, param, e);
            raw = CmykConverter.toRgb(r, adobeTransform(reader));
            notes.add(Note.of("note.image.cmykNoProfile", name));
        }
        String cutShort = ImageDecodeWarnings.cutShort(name, warnings);
        if (cutShort != null) throw new UserFacingException(cutShort + ".");
        if (!warnings.isEmpty()) {
            notes.add(Note.of("note.image.truncated", name, warnings.get(0)));
        }
        ColorSpace cs = raw.getColorModel().getColorSpace();
        if (cs.getType() == ColorSpace.TYPE_CMYK) {
            notes.add(Note.of("note.image.cmyk", name));
        }
        int bits = raw.getColorModel().getComponentSize(0);
        if (bits > 8) notes.add(Note.of("note.image.deep", name, bits));
        BufferedImage argb = toArgb(raw);
        if (sub > 1 && (long) argb.getWidth() * argb.getHeight() > maxPixels) {
            argb = Downscale.scaleDown(argb, (w + sub - 1) / sub, (h + sub - 1) / sub);
        }
        GenerationParameters params = readParameters(reader, head);
        if (isJpeg(head)) argb = ExifOrientation.apply(argb, ExifOrientation.read(new ByteArrayInputStream(head)));
        return new LoadedImage(argb, notes, params);
    }

    /**
     * Reads a mask file of the photo's size: grey levels (colour files by luma, as the CLI reads them), 255 = repaint.
     */
    public dev.atelier.app.mask.Mask loadMask(Path file, int width, int height) throws UserFacingException {
        BufferedImage img = load(file).image();
        String name = file.getFileName().toString();
        if (img.getWidth() != width || img.getHeight() != height) {
            throw UserFacingException.of("error.mask.size", name, img.getWidth(), img.getHeight(), width, height);
        }
        byte[] v = new byte[width * height];
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            img.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int p = row[x];
                v[y * width + x] = (byte) ((((p >> 16) & 0xFF) * 19595 + ((p >> 8) & 0xFF) * 38470 + (p & 0xFF) * 7471 + 0x8000) >> 16);
            }
        }
        return new dev.atelier.app.mask.Mask(width, height, v);
    }

    /** Readers whose decoders honour {@link ImageReadParam#setSourceSubsampling} (the JDK's do; webp-imageio's not). */
    private static boolean subsamples(ImageReader reader) {
        String[] names = reader.getOriginatingProvider() == null ? new String[0] : reader.getOriginatingProvider().getFormatNames();
        for (String n : names) if (n.equalsIgnoreCase("webp")) return false;
        return true;
    }

    private static Raster cmykRaster(ImageReader reader, ImageReadParam param, IIOException cause) throws IOException {
        if (!reader.canReadRaster()) throw cause;
        Raster r = reader.readRaster(0, param);
        if (r.getNumBands() != 4) throw cause;
        return r;
    }

    private static int adobeTransform(ImageReader reader) {
        try {
            IIOMetadata meta = reader.getImageMetadata(0);
            IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(ParameterMetadata.JPEG_FORMAT);
            var adobe = root.getElementsByTagName("app14Adobe");
            if (adobe.getLength() == 0) return -1;
            return Integer.parseInt(((IIOMetadataNode) adobe.item(0)).getAttribute("transform"));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static GenerationParameters readParameters(ImageReader reader, byte[] head) {
        try {
            if (WebpXmp.isWebp(head)) return ParameterMetadata.fromWebp(head);
            IIOMetadata meta = reader.getImageMetadata(0);
            GenerationParameters p = ParameterMetadata.fromPng(meta);
            return p != null ? p : ParameterMetadata.fromJpeg(meta);
        } catch (IOException | RuntimeException e) {
            return null; // parameters are a convenience: a broken chunk must not stop the image from opening
        }
    }

    private static boolean isJpeg(byte[] head) {
        return head.length > 2 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8;
    }

    /** Converts any decoded image (16-bit, grey, indexed, CMYK) to 8-bit TYPE_INT_ARGB, exactly for 8-bit inputs. */
    public static BufferedImage toArgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_ARGB) return src;
        int w = src.getWidth(), h = src.getHeight();
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] row = new int[w];
        var cm = src.getColorModel();
        boolean grey = cm.getNumComponents() == 1 && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && !(cm instanceof java.awt.image.IndexColorModel);
        Raster r = src.getRaster();
        int bits = cm.getComponentSize(0);
        for (int y = 0; y < h; y++) {
            if (grey) { // grey samples are display values: no linear-to-sRGB conversion
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int s = row[x];
                    int v = bits > 8 ? s >> (bits - 8) : bits < 8 ? s * 255 / ((1 << bits) - 1) : s;
                    row[x] = 0xFF000000 | v << 16 | v << 8 | v;
                }
            } else {
                src.getRGB(0, y, w, 1, row, 0, w);
            }
            dst.setRGB(0, y, w, 1, row, 0, w);
        }
        return dst;
    }
}
