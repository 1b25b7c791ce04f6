package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.engine.QwenImageRunners;
import dev.atelier.inference.parity.FixtureSupport;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code atelier edit / generate} with the real engine on the fixture's tiny models (CPU). */
class PipelineCliTest {
    @TempDir
    Path dir;
    String err;
    String out;

    @BeforeEach
    void realEngine() {
        CliEngine.factory = QwenImageRunners::localEngine;
    }

    int cli(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = AtelierCli.commandLine().setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void editWritesAPngWithItsParameters() throws Exception {
        Path model = FixtureSupport.fixture().editModel().orElseThrow();
        Path image = FixtureSupport.dir().resolve("reference/input_image.png");
        Path png = dir.resolve("edited.png");
        assertEquals(0, cli("edit", "--model", model.toString(), "--image", image.toString(), "--prompt",
                "Make the cat wear a red hat", "--steps", "2", "--cfg", "4", "--seed", "11", "--size", "256x256",
                "--out", png.toString()), err);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(256, img.getWidth());
        assertEquals(256, img.getHeight());
        GenerationParameters p = GenerationParameters.fromJson(GenerationCommandsTest.pngText(png, dev.atelier.inference.api.GenerationParameters.METADATA_KEY));
        assertEquals(11, p.seed());
        assertEquals(2, p.steps());
        assertEquals("edit", p.kind());
        assertTrue(err.contains("step 2/2"), err);
        assertTrue(out.contains("wrote " + png), out);
    }

    @Test
    void editRunsFromAComfyUiModelsFolderAndWeightsFp8PicksTheFp8File() throws Exception {
        Path models = dev.atelier.inference.pipeline.ComfyFolders.models(dir, java.util.List.of(
                dev.atelier.inference.pipeline.ComfyFolders.BF16, dev.atelier.inference.pipeline.ComfyFolders.FP8_SCALED),
                true);
        Path image = FixtureSupport.dir().resolve("reference/input_image.png");
        for (String w : new String[] {"bf16", "fp8"}) {
            Path png = dir.resolve("comfy-" + w + ".png");
            assertEquals(0, cli("edit", "--model", models.toString(), "--weights", w, "--image", image.toString(),
                    "--prompt", "Make the cat wear a red hat", "--steps", "1", "--cfg", "1", "--seed", "3", "--size",
                    "256x256", "--out", png.toString()), err);
            GenerationParameters p = GenerationParameters.fromJson(GenerationCommandsTest.pngText(png, dev.atelier.inference.api.GenerationParameters.METADATA_KEY));
            String file = w.equals("fp8") ? dev.atelier.inference.pipeline.ComfyFolders.FP8_SCALED
                    : dev.atelier.inference.pipeline.ComfyFolders.BF16;
            assertTrue(p.modelFiles().stream().anyMatch(f -> f.endsWith(file)), p.modelFiles().toString());
        }
    }

    @Test
    void generateWritesAWebp() throws Exception {
        Path model = FixtureSupport.fixture().t2iModel().orElseThrow();
        Path webp = dir.resolve("gen.webp");
        assertEquals(0, cli("generate", "--model", model.toString(), "--prompt", "一只小猫坐在窗台上。", "--width", "256",
                "--height", "256", "--steps", "2", "--cfg", "1", "--seed", "5", "--out", webp.toString()), err);
        BufferedImage img = ImageIO.read(webp.toFile());
        assertEquals(256, img.getWidth());
        GenerationParameters wp = dev.atelier.inference.api.WebpXmp.readParameters(Files.readAllBytes(webp));
        assertEquals("一只小猫坐在窗台上。", wp.prompt());
        assertEquals(5, wp.seed());
        assertEquals("generate", wp.kind());
        Path png = dir.resolve("gen.png");
        assertEquals(0, cli("generate", "--model", model.toString(), "--prompt", "一只小猫坐在窗台上。", "--width", "256",
                "--height", "256", "--steps", "2", "--cfg", "1", "--seed", "5", "--out", png.toString()), err);
        assertEquals("一只小猫坐在窗台上。",
                GenerationParameters.fromJson(GenerationCommandsTest.pngText(png, dev.atelier.inference.api.GenerationParameters.METADATA_KEY)).prompt());
    }

    @Test
    void badModelFolderFailsWithoutAFile() throws Exception {
        Path model = Files.createDirectory(dir.resolve("empty-model"));
        Path png = dir.resolve("x.png");
        assertEquals(2, cli("generate", "--model", model.toString(), "--prompt", "x", "--width", "256", "--height", "256",
                "--steps", "1", "--out", png.toString()));
        assertTrue(err.contains("model_index.json"), err);
        assertFalse(Files.exists(png));
        assertEquals(2, cli("generate", "--model", model.toString(), "--prompt", "x", "--steps", "0", "--out",
                png.toString()));
        assertTrue(err.contains("steps: 0"), err);
        assertEquals(2, cli("generate", "--model", model.toString(), "--prompt", "x", "--steps", "10000", "--out",
                png.toString()));
        assertTrue(err.contains("steps: 10000"), err);
        assertEquals(2, cli("generate", "--model", model.toString(), "--prompt", "x", "--cfg", "NaN", "--out",
                png.toString()));
        assertTrue(err.contains("cfg: NaN"), err);
        assertFalse(Files.exists(png));
    }
}
