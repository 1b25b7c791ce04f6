package dev.atelier.app.io;

import dev.atelier.app.document.GenerationParameters;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageOutputStream;

/** Writes PNG, JPEG and WebP files atomically, with the generation parameters embedded when given. */
public final class ImageExporter {
    private ImageExporter() {}

    public static void export(BufferedImage image, Path file, ExportOptions options, GenerationParameters params)
            throws UserFacingException {
        String name = file.getFileName().toString();
        try {
            byte[] bytes = encode(image, options, params);
            AtomicFiles.write(file, out -> out.write(bytes));
        } catch (UserFacingException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw UserFacingException.of(e, "error.export.encode", name, options.format(), AtomicFiles.describe(e));
        }
    }

    /** Writes the mask as an 8-bit grey PNG (255 = repaint), the convention of {@code atelier edit --mask}. */
    public static void exportMask(dev.atelier.app.mask.Mask mask, Path file) throws UserFacingException {
        BufferedImage g = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((java.awt.image.DataBufferByte) g.getRaster().getDataBuffer()).getData();
        System.arraycopy(mask.data(), 0, data, 0, data.length);
        export(g, file, ExportOptions.png(), null);
    }

    /** Encodes in memory (the atomic writer then copies the bytes), so a failing encoder never touches the disk. */
    public static byte[] encode(BufferedImage image, ExportOptions options, GenerationParameters params) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, image.getWidth() * image.getHeight()));
        switch (options.format()) {
            case PNG -> writePng(image, out, params);
            case JPEG -> writeJpeg(image, out, options.quality(), params);
            case WEBP -> writeWebp(image, out, options, params);
        }
        return out.toByteArray();
    }

    private static void writePng(BufferedImage image, OutputStream out, GenerationParameters params) throws IOException {
        ImageWriter w = writer("png");
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), p);
            if (params != null) ParameterMetadata.addToPng(meta, params);
            w.setOutput(ios);
            w.write(null, new IIOImage(image, null, meta), p);
        } finally {
            w.dispose();
        }
    }

    private static void writeJpeg(BufferedImage image, OutputStream out, float quality, GenerationParameters params)
            throws IOException {
        BufferedImage rgb = opaque(image);
        ImageWriter w = writer("jpeg");
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), p);
            if (params != null) ParameterMetadata.addToJpeg(meta, params);
            w.setOutput(ios);
            w.write(null, new IIOImage(rgb, null, meta), p);
        } finally {
            w.dispose();
        }
    }

    private static void writeWebp(BufferedImage image, OutputStream out, ExportOptions o, GenerationParameters params)
            throws IOException {
        ImageWriter w = writer("webp");
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(encoded)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            String wanted = o.lossless() ? "Lossless" : "Lossy";
            for (String t : p.getCompressionTypes()) if (t.equalsIgnoreCase(wanted)) p.setCompressionType(t);
            p.setCompressionQuality(o.lossless() ? 1f : o.quality());
            w.setOutput(ios);
            w.write(null, new IIOImage(image, null, null), p);
        } finally {
            w.dispose();
        }
        byte[] bytes = encoded.toByteArray();
        if (params != null) {
            bytes = ParameterMetadata.addToWebp(bytes, image.getWidth(), image.getHeight(),
                    image.getColorModel().hasAlpha(), params);
        }
        out.write(bytes);
    }

    private static ImageWriter writer(String format) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        if (!it.hasNext()) throw new IOException("no ImageIO writer for " + format + " is installed");
        return it.next();
    }

    static BufferedImage opaque(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        var g = rgb.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }
}
