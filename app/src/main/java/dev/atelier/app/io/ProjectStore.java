package dev.atelier.app.io;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.atelier.app.document.Document;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.document.ResultImage;
import dev.atelier.app.mask.Mask;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The {@code .atelier} project file: a zip holding {@code manifest.json}, {@code photo.png}, {@code mask.png}
 * (8-bit grey), {@code references/N.png} and {@code results/ID.png}. Written atomically through {@link AtomicFiles}.
 * Encoded PNGs are cached per image (images are immutable), so autosaving a 24 MP photo re-encodes only the mask.
 */
public final class ProjectStore {
    public static final String EXTENSION = ".atelier";
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final Map<BufferedImage, byte[]> pngCache = Collections.synchronizedMap(new IdentityHashMap<>());

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Manifest(String format, int version, String photoName, int width, int height, GenerationParameters parameters,
                    String origin, List<RefEntry> references, List<ResultEntry> results, String savedAt) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RefEntry(String name, String file) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ResultEntry(String id, String file, GenerationParameters parameters, String created, boolean accepted) {}

    public void save(ProjectSnapshot s, Path file) throws UserFacingException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            List<RefEntry> refs = new ArrayList<>();
            for (int i = 0; i < s.references().size(); i++) {
                ReferenceImage r = s.references().get(i);
                String name = "references/" + i + ".png";
                stored(zip, name, png(r.image()));
                refs.add(new RefEntry(r.name(), name));
            }
            List<ResultEntry> res = new ArrayList<>();
            for (ResultImage r : s.results()) {
                String name = "results/" + r.id() + ".png";
                stored(zip, name, png(r.image()));
                res.add(new ResultEntry(r.id(), name, r.parameters(), r.created().toString(), r.accepted()));
            }
            stored(zip, "photo.png", png(s.photo()));
            stored(zip, "mask.png", maskPng(s));
            Manifest m = new Manifest("atelier-project", FORMAT_VERSION, s.photoName(), s.photo().getWidth(),
                    s.photo().getHeight(), s.parameters(), s.origin() == null ? null : s.origin().toString(), refs, res,
                    Instant.now().toString());
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            zip.closeEntry();
            zip.finish();
        });
        pngCache.keySet().retainAll(liveImages(s));
    }

    private static java.util.Set<BufferedImage> liveImages(ProjectSnapshot s) {
        java.util.Set<BufferedImage> live = Collections.newSetFromMap(new IdentityHashMap<>());
        live.add(s.photo());
        s.references().forEach(r -> live.add(r.image()));
        s.results().forEach(r -> live.add(r.image()));
        return live;
    }

    public Document load(Path file) throws UserFacingException {
        String name = file.getFileName().toString();
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) entries.put(e.getName(), zip.readAllBytes());
        } catch (NoSuchFileException e) {
            throw UserFacingException.of(e, "error.project.notFound", name);
        } catch (IOException e) {
            throw UserFacingException.of(e, "error.project.damaged", name, AtomicFiles.describe(e));
        }
        try {
            byte[] manifestBytes = require(entries, "manifest.json", name);
            Manifest m = JSON.readValue(manifestBytes, Manifest.class);
            if (m.version() > FORMAT_VERSION) {
                throw UserFacingException.of("error.project.newer", name, m.version());
            }
            BufferedImage photo = image(require(entries, "photo.png", name), name + "/photo.png");
            Document d = new Document(photo, m.photoName() == null ? name : m.photoName());
            Mask mask = readMask(entries.get("mask.png"), photo.getWidth(), photo.getHeight(), name);
            List<ReferenceImage> refs = new ArrayList<>();
            if (m.references() != null) {
                for (RefEntry r : m.references()) refs.add(new ReferenceImage(r.name(), image(require(entries, r.file(), name), r.file())));
            }
            List<ResultImage> res = new ArrayList<>();
            if (m.results() != null) {
                for (ResultEntry r : m.results()) {
                    res.add(new ResultImage(r.id(), image(require(entries, r.file(), name), r.file()), r.parameters(),
                            r.created() == null ? Instant.EPOCH : Instant.parse(r.created()), r.accepted()));
                }
            }
            d.restore(mask, refs, res, m.parameters());
            d.setProjectFile(m.origin() == null ? file : Path.of(m.origin()));
            return d;
        } catch (UserFacingException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw UserFacingException.of(e, "error.project.damaged", name, AtomicFiles.describe(e));
        }
    }

    /** Where the project was last saved by the user, as recorded in the file (autosaves record their project). */
    private static byte[] require(Map<String, byte[]> entries, String entry, String file) throws UserFacingException {
        byte[] b = entries.get(entry);
        if (b == null) throw UserFacingException.of("error.project.missingEntry", file, entry);
        return b;
    }

    private static BufferedImage image(byte[] bytes, String what) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        if (img == null) throw new IOException(what + " is not a PNG image");
        return ImageLoader.toArgb(img);
    }

    private static Mask readMask(byte[] bytes, int w, int h, String file) throws IOException {
        if (bytes == null) return new Mask(w, h);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        if (img == null || img.getWidth() != w || img.getHeight() != h) {
            throw UserFacingException.of("error.project.maskSize", file, w, h);
        }
        if (img.getType() != BufferedImage.TYPE_BYTE_GRAY) {
            BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            g.getRaster().setRect(img.getRaster());
            img = g;
        }
        byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        return new Mask(w, h, data.length == w * h ? data : java.util.Arrays.copyOf(data, w * h));
    }

    private byte[] png(BufferedImage img) throws IOException {
        byte[] cached = pngCache.get(img);
        if (cached != null) return cached;
        byte[] b = fastPng(img);
        pngCache.put(img, b);
        return b;
    }

    private static byte[] maskPng(ProjectSnapshot s) throws IOException {
        BufferedImage g = new BufferedImage(s.maskWidth(), s.maskHeight(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) g.getRaster().getDataBuffer()).getData();
        System.arraycopy(s.mask(), 0, data, 0, data.length);
        return fastPng(g);
    }

    /** PNG at a low deflate level: project files favour save speed; exports use the default. */
    static byte[] fastPng(BufferedImage img) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f); // the JDK maps quality q to deflate level 9 * (1 - q)
            w.setOutput(ios);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
