package dev.atelier.app.io;

import dev.atelier.app.document.GenerationParameters;
import dev.atelier.inference.api.WebpXmp;
import java.io.IOException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import org.w3c.dom.Node;

/**
 * Where the generation parameters live inside exported files: a PNG iTXt chunk, a JPEG COM segment and a WebP XMP
 * chunk, all carrying {@link GenerationParameters#toJson()} under the key {@value #KEY}.
 */
public final class ParameterMetadata {
    public static final String KEY = dev.atelier.inference.api.GenerationParameters.METADATA_KEY; // the CLI's too
    static final String PNG_FORMAT = "javax_imageio_png_1.0";
    static final String JPEG_FORMAT = "javax_imageio_jpeg_image_1.0";
    private static final String JPEG_PREFIX = KEY + "=";

    private ParameterMetadata() {}

    static void addToPng(IIOMetadata meta, GenerationParameters p) throws IOException {
        IIOMetadataNode root = new IIOMetadataNode(PNG_FORMAT);
        IIOMetadataNode itxt = new IIOMetadataNode("iTXt");
        IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
        entry.setAttribute("keyword", KEY);
        entry.setAttribute("compressionFlag", "FALSE");
        entry.setAttribute("compressionMethod", "0");
        entry.setAttribute("languageTag", "");
        entry.setAttribute("translatedKeyword", "");
        entry.setAttribute("text", p.toJson());
        itxt.appendChild(entry);
        root.appendChild(itxt);
        meta.mergeTree(PNG_FORMAT, root);
    }

    static GenerationParameters fromPng(IIOMetadata meta) throws IOException {
        if (meta == null || !java.util.Arrays.asList(meta.getMetadataFormatNames()).contains(PNG_FORMAT)) return null;
        Node root = meta.getAsTree(PNG_FORMAT);
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!n.getNodeName().equals("iTXt") && !n.getNodeName().equals("tEXt")) continue;
            for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                IIOMetadataNode en = (IIOMetadataNode) e;
                String key = en.getAttribute("keyword");
                String text = en.hasAttribute("text") ? en.getAttribute("text") : en.getAttribute("value");
                if (KEY.equals(key)) return GenerationParameters.fromJson(text);
            }
        }
        return null;
    }

    static void addToJpeg(IIOMetadata meta, GenerationParameters p) throws IOException {
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(JPEG_FORMAT);
        Node seq = root.getElementsByTagName("markerSequence").item(0);
        IIOMetadataNode com = new IIOMetadataNode("com");
        com.setAttribute("comment", JPEG_PREFIX + asciiOnly(p.toJson()));
        seq.appendChild(com);
        meta.setFromTree(JPEG_FORMAT, root);
    }

    static GenerationParameters fromJpeg(IIOMetadata meta) throws IOException {
        if (meta == null || !java.util.Arrays.asList(meta.getMetadataFormatNames()).contains(JPEG_FORMAT)) return null;
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(JPEG_FORMAT);
        var coms = root.getElementsByTagName("com");
        for (int i = 0; i < coms.getLength(); i++) {
            IIOMetadataNode com = (IIOMetadataNode) coms.item(i);
            String text = com.getAttribute("comment");
            if ((text == null || text.isEmpty()) && com.getUserObject() instanceof byte[] b) {
                text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            if (text != null && text.startsWith(JPEG_PREFIX)) return GenerationParameters.fromJson(text.substring(JPEG_PREFIX.length()));
        }
        return null;
    }

    /** {@code webp} (encoder output) with the parameters in an XMP chunk: the engine API's {@link WebpXmp}, the CLI's too. */
    static byte[] addToWebp(byte[] webp, int width, int height, boolean alpha, GenerationParameters p) {
        return WebpXmp.withXmp(webp, width, height, alpha, WebpXmp.xmpPacket(p.toJson()));
    }

    /** The parameters in a WebP file's XMP chunk, or null (none, or a damaged container). */
    static GenerationParameters fromWebp(byte[] webp) throws IOException {
        String json = WebpXmp.jsonFromXmp(WebpXmp.readXmp(webp));
        return json == null ? null : GenerationParameters.fromJson(json);
    }

    /** JPEG comments are Latin-1: escape everything else as JSON \\u sequences (Chinese prompts survive). */
    static String asciiOnly(String json) {
        StringBuilder sb = new StringBuilder(json.length());
        for (char c : json.toCharArray()) {
            if (c < 0x7f) sb.append(c);
            else sb.append(String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }
}
