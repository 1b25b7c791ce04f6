package dev.atelier.inference.cli;

import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.WebpXmp;
import dev.atelier.inference.image.ImageFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Image files for the CLI (the engine API itself has no AWT): photos and masks read through the engine's
 * {@link ImageFiles} reader, the output checked and written. Output is written to a temporary file in the target
 * folder and renamed over the target, so a failed or interrupted run never leaves a partial file. Both formats
 * embed the generation parameters (JSON) as the studio's exports do: PNG as an iTXt chunk
 * {@link GenerationParameters#METADATA_KEY}, WebP (lossless) as an XMP chunk ({@link WebpXmp}).
 */
final class CliImageFiles {
    static final Set<String> OUTPUT_EXTENSIONS = Set.of("png", "webp");

    private CliImageFiles() {}

    /** A photo for {@code option} (e.g. {@code --image}), read by {@link ImageFiles} and taken as opaque. */
    static RgbImage read(String option, Path file) {
        RgbImage img = decode(option, file, () -> ImageFiles.readRgb(file));
        int[] argb = img.argb().clone();
        for (int i = 0; i < argb.length; i++) {
            argb[i] |= 0xFF000000;
        }
        return new RgbImage(img.width(), img.height(), argb);
    }

    /** A mask file: gray levels (Pillow's "L" conversion for colour files), 255 = repaint. */
    static MaskImage readMask(String option, Path file) {
        return decode(option, file, () -> ImageFiles.readMask(file));
    }

    private interface Reader<T> {
        T read() throws IOException;
    }

    private static <T> T decode(String option, Path file, Reader<T> reader) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        try {
            return reader.read();
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": cannot be read (" + e.getMessage() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage(), e);
        }
    }

    static String extension(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Fails unless {@code out} can be written: supported extension, existing writable folder, not a folder itself. */
    static Path checkOutput(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        if (!OUTPUT_EXTENSIONS.contains(extension(abs))) {
            throw new IllegalArgumentException("--out " + out + ": unsupported extension; use .png or .webp");
        }
        if (Files.isDirectory(abs)) {
            throw new IllegalArgumentException("--out " + out + ": is a folder; give a file name such as " + abs.resolve("result.png"));
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            Path existing = dir;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing != null && !Files.isDirectory(existing)) {
                throw new IllegalArgumentException("--out " + out + ": " + existing + " is a file, not a folder; "
                        + "choose an output path inside a folder");
            }
            throw new IllegalArgumentException("--out " + out + ": the folder " + dir + " does not exist; create it first");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("--out " + out + ": the folder " + dir + " is not writable");
        }
        if (Files.exists(abs) && !Files.isWritable(abs)) {
            throw new IllegalArgumentException("--out " + out + ": exists and is read-only");
        }
        return abs;
    }

    /** Writes atomically: temp file in the same folder, then rename over {@code out}. */
    static void write(RgbImage image, GenerationParameters parameters, Path out) throws IOException {
        Path abs = checkOutput(out);
        String ext = extension(abs);
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        try {
            BufferedImage bi = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
            bi.setRGB(0, 0, image.width(), image.height(), image.argb(), 0, image.width());
            if (ext.equals("png")) {
                try (ImageOutputStream ios = ImageIO.createImageOutputStream(tmp.toFile())) {
                    writePng(bi, parameters, ios);
                }
            } else {
                Files.write(tmp, webp(bi, parameters));
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AccessDeniedException e) {
                throw new IOException(abs + ": cannot replace the file (" + e.getMessage() + ")", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Why a file operation failed, in words (a bare {@link java.nio.file.NoSuchFileException} only names its file). */
    static String reason(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file or folder: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile();
        }
        return String.valueOf(e.getMessage());
    }

    private static ImageWriter writer(String format) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        if (!it.hasNext()) {
            throw new IOException("no " + format + " encoder available in this installation");
        }
        return it.next();
    }

    private static void writePng(BufferedImage bi, GenerationParameters parameters, ImageOutputStream ios) throws IOException {
        ImageWriter w = writer("png");
        try {
            ImageWriteParam param = w.getDefaultWriteParam();
            IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(bi), param);
            if (parameters != null) {
                // iTXt: UTF-8, so prompts in any language survive
                IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
                entry.setAttribute("keyword", GenerationParameters.METADATA_KEY);
                entry.setAttribute("compressionFlag", "FALSE");
                entry.setAttribute("compressionMethod", "0");
                entry.setAttribute("languageTag", "");
                entry.setAttribute("translatedKeyword", "");
                entry.setAttribute("text", parameters.toJson());
                IIOMetadataNode text = new IIOMetadataNode("iTXt");
                text.appendChild(entry);
                IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                root.appendChild(text);
                meta.mergeTree("javax_imageio_png_1.0", root);
            }
            w.setOutput(ios);
            w.write(null, new IIOImage(bi, null, meta), param);
        } finally {
            w.dispose();
        }
    }

    /** Lossless WebP, with the parameters in an XMP chunk ({@link WebpXmp}, as the studio exports them). */
    private static byte[] webp(BufferedImage bi, GenerationParameters parameters) throws IOException {
        ImageWriter w = writer("webp");
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(encoded)) {
            ImageWriteParam param = w.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("Lossless");
            w.setOutput(ios);
            w.write(null, new IIOImage(bi, null, null), param);
        } finally {
            w.dispose();
        }
        byte[] bytes = encoded.toByteArray();
        if (parameters == null) return bytes;
        try {
            return WebpXmp.withParameters(bytes, bi.getWidth(), bi.getHeight(), bi.getColorModel().hasAlpha(), parameters);
        } catch (IllegalArgumentException e) {
            throw new IOException("the WebP encoder's output could not take the parameters (" + e.getMessage() + ")", e);
        }
    }
}
