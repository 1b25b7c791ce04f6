package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atelier.app.document.GenerationParameters;
import dev.atelier.inference.api.WeightVariant;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by the CLI (engine's parameters record) are recalled by the studio, and the other way round. */
class EngineParametersInteropTest {
    @TempDir Path dir;

    static dev.atelier.inference.api.GenerationParameters engineParams() {
        return new dev.atelier.inference.api.GenerationParameters(1, "0.1.0", "edit", "/models/qwen-edit",
                List.of("transformer/diffusion_pytorch_model.safetensors"), "draft", WeightVariant.AUTO, "把夹克换成红色皮革",
                "blurry", 77L, 40, 4.0, 0.9, null, List.of(), 1024, 768, 1024, 768, 1, true, "philox");
    }

    @Test
    void studioRecallsTheEnginesJson() throws IOException {
        var engine = engineParams();
        GenerationParameters studio = GenerationParameters.fromJson(engine.toJson());
        assertEquals("把夹克换成红色皮革", studio.prompt());
        assertEquals(77L, studio.seed());
        assertEquals(40, studio.steps());
        assertEquals(4.0, studio.cfg());
        assertEquals(0.9, studio.strength());
        assertEquals("draft", studio.preset());
        assertEquals(engine.modelFiles(), studio.modelFiles());
    }

    @Test
    void aPngWithTheEnginesChunkIsRecalled() throws IOException {
        // What the CLI writes: the engine's JSON in iTXt "atelier-parameters". Emulated through the studio's writer
        // with the same key, carrying the engine's JSON text.
        var engine = engineParams();
        Path f = dir.resolve("cli-out.png");
        var meta = javax.imageio.ImageIO.getImageWritersByFormatName("png").next();
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        var iio = meta.getDefaultImageMetadata(javax.imageio.ImageTypeSpecifier.createFromRenderedImage(img), null);
        var entry = new javax.imageio.metadata.IIOMetadataNode("iTXtEntry");
        entry.setAttribute("keyword", "atelier-parameters");
        entry.setAttribute("compressionFlag", "FALSE");
        entry.setAttribute("compressionMethod", "0");
        entry.setAttribute("languageTag", "");
        entry.setAttribute("translatedKeyword", "");
        entry.setAttribute("text", engine.toJson());
        var itxt = new javax.imageio.metadata.IIOMetadataNode("iTXt");
        itxt.appendChild(entry);
        var root = new javax.imageio.metadata.IIOMetadataNode("javax_imageio_png_1.0");
        root.appendChild(itxt);
        iio.mergeTree("javax_imageio_png_1.0", root);
        try (var out = javax.imageio.ImageIO.createImageOutputStream(f.toFile())) {
            meta.setOutput(out);
            meta.write(null, new javax.imageio.IIOImage(img, null, iio), null);
        }
        GenerationParameters p = new ImageLoader().load(f).parameters();
        assertEquals(engine.prompt(), p.prompt());
        assertEquals(engine.seed(), p.seed());
    }

    @Test
    void aWebpWrittenByTheCliIsRecalled() throws Exception {
        // The CLI's WebP: the encoder's file with the engine's parameters added by the API's WebpXmp.
        var engine = engineParams();
        Path f = dir.resolve("cli-out.webp");
        java.nio.file.Files.write(f, dev.atelier.inference.api.WebpXmp.withParameters(
                ImageExporter.encode(ImageFormatsTest.noise(8, 6, false), ExportOptions.webp(1f, true), null), 8, 6, false,
                engine));
        GenerationParameters p = new ImageLoader().load(f).parameters();
        assertEquals(engine.prompt(), p.prompt());
        assertEquals(engine.seed(), p.seed());
        assertEquals(engine.strength(), p.strength());
        assertEquals(engine.modelFiles(), p.modelFiles());
    }

    @Test
    void theStudiosWebpIsReadByTheEngine() throws Exception {
        byte[] webp = ImageExporter.encode(ImageFormatsTest.noise(8, 6, false), ExportOptions.webp(0.8f, false),
                ImageFormatsTest.PARAMS);
        var engine = dev.atelier.inference.api.WebpXmp.readParameters(webp);
        assertEquals(ImageFormatsTest.PARAMS.prompt(), engine.prompt());
        assertEquals(ImageFormatsTest.PARAMS.seed(), engine.seed());
    }

    @Test
    void engineReadsTheStudiosJson() {
        GenerationParameters studio = ImageFormatsTest.PARAMS;
        var engine = dev.atelier.inference.api.GenerationParameters.fromJson(studio.toJson());
        assertEquals(studio.prompt(), engine.prompt());
        assertEquals(studio.seed(), engine.seed());
        assertEquals(studio.steps(), engine.steps());
        assertEquals(studio.strength(), engine.strength());
    }
}
