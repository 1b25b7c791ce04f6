package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.WeightVariant;
import dev.atelier.inference.api.fake.FakeEngine;
import dev.atelier.inference.engine.LocalEngine;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Node;

class GenerationCommandsTest {
    @TempDir
    Path dir;
    Path model;
    Path photo;
    FakeEngine.Script script;
    final List<FakeEngine> fakes = new ArrayList<>();

    /** The CLI closes its engine after each run: a fresh fake per run. */
    FakeEngine newFake() {
        FakeEngine f = new FakeEngine(script);
        fakes.add(f);
        return f;
    }

    List<dev.atelier.inference.api.Request> requests() {
        return fakes.stream().flatMap(f -> f.requests().stream()).toList();
    }
    String out;
    String err;

    java.util.function.Supplier<dev.atelier.inference.api.Engine> previous;

    @BeforeEach
    void setUp() throws Exception {
        previous = CliEngine.factory;
        model = Files.createDirectory(dir.resolve("model"));
        photo = dir.resolve("in.png");
        png(photo, 80, 48, 0x336699);
        script = FakeEngine.Script.done();
        CliEngine.factory = this::newFake;
    }

    @AfterEach
    void tearDown() {
        CliEngine.factory = previous;
    }

    static void png(Path p, int w, int h, int rgb) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", p.toFile());
    }

    int cli(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = AtelierCli.commandLine().setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    String[] edit(String outFile, String... more) {
        List<String> a = new ArrayList<>(List.of("edit", "--model", model.toString(), "--image", photo.toString(),
                "--prompt", "add a red hat", "--seed", "42", "--out", dir.resolve(outFile).toString()));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void editWritesThePngWithItsParametersAndNoTempFiles() throws Exception {
        assertEquals(0, cli(edit("out.png", "--preset", "quick-preview", "--steps", "6")), err);
        Path result = dir.resolve("out.png");
        BufferedImage img = ImageIO.read(result.toFile());
        assertEquals(80, img.getWidth());
        assertEquals(48, img.getHeight());
        EditRequest r = assertInstanceOf(EditRequest.class, requests().get(0));
        assertEquals(6, r.settings().steps());
        assertEquals(1.0, r.settings().cfg());
        assertEquals(3.0, r.settings().shift());
        assertEquals(WeightVariant.FP8, r.settings().weights());
        assertEquals(42, r.settings().seed());
        GenerationParameters p = GenerationParameters.fromJson(pngText(result, dev.atelier.inference.api.GenerationParameters.METADATA_KEY));
        assertEquals("add a red hat", p.prompt());
        assertEquals("quick-preview", p.preset());
        assertEquals(java.util.Set.of(photo, result), java.util.Set.copyOf(files()));
        assertTrue(err.contains("step 6/6"), err);
    }

    @Test
    void webpOutputAndMaskAndReferences() throws Exception {
        Path mask = dir.resolve("mask.png");
        png(mask, 40, 24, 0xFFFFFF);
        Path ref = dir.resolve("ref.png");
        png(ref, 64, 64, 0x00FF00);
        assertEquals(0, cli(edit("out.webp", "--mask", mask.toString(), "--ref", ref.toString(), "--strength", "0.8")), err);
        assertTrue(err.contains("mask will be resized") && err.contains("the mask covers the whole photo"), err);
        BufferedImage img = ImageIO.read(dir.resolve("out.webp").toFile());
        assertEquals(80, img.getWidth());
        EditRequest r = assertInstanceOf(EditRequest.class, requests().get(0));
        assertEquals(1, r.references().size());
        assertEquals(0.8, r.strength());
        assertEquals("draft", r.settings().preset());
        assertEquals(40, r.settings().steps());
        GenerationParameters p = dev.atelier.inference.api.WebpXmp.readParameters(Files.readAllBytes(dir.resolve("out.webp")));
        assertEquals("add a red hat", p.prompt());
        assertEquals(42, p.seed());
        assertEquals(0.8, p.strength());
        assertEquals(1, p.references());
        assertTrue(p.masked());
    }

    @Test
    void badArgumentsAreNamedAndNothingIsWritten() throws Exception {
        assertEquals(2, cli(edit("out.jpg")));
        assertTrue(err.contains("--out") && err.contains("use .png or .webp"), err);
        assertEquals(2, cli(edit("missing/out.png")));
        assertTrue(err.contains("does not exist; create it first"), err);
        assertEquals(2, cli(edit("out.png", "--steps", "0")));
        assertTrue(err.contains("error: steps: 0 is outside 1..200"), err);
        assertEquals(2, cli(edit("out.png", "--steps", "10000")));
        assertEquals(2, cli(edit("out.png", "--cfg", "NaN")));
        assertTrue(err.contains("error: cfg: NaN"), err);
        assertEquals(2, cli(edit("out.png", "--preset", "nope")));
        assertTrue(err.contains("available: quick-preview, draft, final, turbo"), err);
        assertEquals(2, cli(edit("out.png", "--preset", "turbo")));
        assertTrue(err.contains("not edit"), err);
        Path empty = dir.resolve("empty.png");
        png(empty, 80, 48, 0);
        assertEquals(2, cli(edit("out.png", "--mask", empty.toString())));
        assertTrue(err.contains("mask: nothing is painted"), err);
        assertEquals(2, cli(edit("out.png", "--ref", dir.resolve("nope.png").toString())));
        assertTrue(err.contains("--ref") && err.contains("no such file"), err);
        assertEquals(2, cli(edit("out.png", "--size", "1000x512")));
        assertTrue(err.contains("size.width: 1000 is not a multiple of 16; use 992 or 1008"), err);
        assertEquals(2, cli(edit("out.png", "--lora", dir.resolve("x.safetensors") + "=0.5")));
        assertTrue(requests().isEmpty());
        assertFalse(Files.exists(dir.resolve("out.png")));
    }

    @Test
    void engineFailuresAndCancellationLeaveNoFile() throws Exception {
        CliEngine.factory = LocalEngine::withoutPipelines;
        assertEquals(3, cli(edit("out.png")));
        assertTrue(err.contains("edit pipeline is not available"), err);
        script = FakeEngine.Script.failing(FailureKind.OUT_OF_MEMORY, "out of GPU memory", "use quick-preview");
        CliEngine.factory = this::newFake;
        assertEquals(3, cli(edit("out.png")));
        assertTrue(err.contains("out of GPU memory") && err.contains("use quick-preview"), err);
        script = FakeEngine.Script.failing(FailureKind.CANCELLED, "cancelled", "");
        assertEquals(130, cli(edit("out.png")));
        assertEquals(List.of(photo), files());
    }

    @Test
    void badPresetsAndOutputPathsAreNamedAndTheExistingOutputSurvives() throws Exception {
        Path previous = dir.resolve("out.png");
        Files.writeString(previous, "an earlier result");
        assertEquals(2, cli(edit("out.png", "--presets-dir", dir.resolve("nope").toString())));
        assertTrue(err.contains("--presets-dir") && err.contains("no such folder"), err);
        assertEquals(2, cli(edit("out.png", "--presets-dir", photo.toString())));
        assertTrue(err.contains("is a file, not a folder"), err);
        Path presets = Files.createDirectory(dir.resolve("presets"));
        Files.writeString(presets.resolve("mine.json"), "{\"schema_version\": 1,\n \"steps\": 4,,}");
        assertEquals(2, cli(edit("out.png", "--presets-dir", presets.toString(), "--preset", "mine")));
        assertTrue(err.contains("preset: 'mine' could not be read") && err.contains("mine.json")
                && err.contains("line 2"), err);
        assertEquals(2, cli(edit("out.png", "--steps", "-3")));
        assertTrue(err.contains("steps: -3 is outside 1..200"), err);
        assertEquals(2, cli(edit("out.png", "--cfg", "0.5")));
        assertTrue(err.contains("cfg: 0.5 is outside 1..20"), err);
        assertEquals(2, cli(edit("out.png", "--cfg", "25")));
        // a path under a regular file: mkdir would fail, whoever runs the tests (root ignores chmod)
        assertEquals(2, cli(edit("in.png/out.png")));
        assertTrue(err.contains(photo + " is a file, not a folder"), err);
        assertEquals(2, cli(edit("sub")));
        assertTrue(err.contains("use .png or .webp"), err);
        Files.createDirectory(dir.resolve("folder.png"));
        assertEquals(2, cli(edit("folder.png")));
        assertTrue(err.contains("is a folder"), err);
        assertTrue(requests().isEmpty());
        assertEquals("an earlier result", Files.readString(previous));
    }

    /** A bad, unknown or missing option: the error naming it and one pointer to --help, not the whole usage; exit 2. */
    @Test
    void argumentErrorsPrintTheErrorAndAHintNotTheUsage() {
        String hint = "Run 'atelier edit --help' for the options.";
        assertEquals(2, cli(edit("out.png", "--steps", "abc")));
        assertEquals(List.of("error: Invalid value for option '--steps': 'abc' is not an int", hint), err.lines().toList());
        assertEquals("", out);

        assertEquals(2, cli(edit("out.png", "--stepz", "6")));
        List<String> lines = err.lines().toList();
        assertEquals(2, lines.size(), err);
        assertTrue(lines.get(0).startsWith("error: Unknown option") && lines.get(0).contains("'--stepz'"), err);
        assertTrue(lines.get(1).startsWith("Did you mean --steps") && lines.get(1).endsWith("? " + hint), err);

        assertEquals(2, cli("edit", "--model", model.toString(), "--prompt", "a hat", "--out", dir.resolve("o.png").toString()));
        assertEquals(List.of("error: Missing required option: '--image=FILE'", hint), err.lines().toList());

        assertEquals(2, cli("edti", "--model", model.toString()));
        lines = err.lines().toList();
        assertEquals(2, lines.size(), err);
        assertTrue(lines.get(0).startsWith("error: Unmatched argument") && lines.get(0).contains("'edti'"), err);
        assertEquals("Did you mean edit? Run 'atelier --help' for the commands.", lines.get(1));

        assertTrue(requests().isEmpty());
        assertFalse(Files.exists(dir.resolve("out.png")));
    }

    @Test
    void brokenImagesAreRefusedNamingTheOption() throws Exception {
        Path jpg = dir.resolve("photo.jpg");
        BufferedImage img = new BufferedImage(320, 192, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(5);
        for (int y = 0; y < 192; y++) {
            for (int x = 0; x < 320; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        ImageIO.write(img, "jpg", jpg.toFile());
        byte[] b = Files.readAllBytes(jpg);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        String[] a = edit("out.png");
        a[4] = cut.toString();
        assertEquals(2, cli(a));
        assertTrue(err.contains("--image " + cut) && err.contains("is cut short"), err);
        Path webp = dir.resolve("ref.webp");
        CliImageFiles.write(CliImageFilesTest.noise(64, 64), null, webp);
        byte[] w = Files.readAllBytes(webp);
        Path cutWebp = Files.write(dir.resolve("cut.webp"), Arrays.copyOf(w, w.length / 2));
        assertEquals(2, cli(edit("out.png", "--ref", cutWebp.toString())));
        assertTrue(err.contains("--ref " + cutWebp) && err.contains("cut.webp is cut short (it has " + w.length / 2 + " of the "
                + w.length + " bytes"), err);
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "not an image");
        assertEquals(2, cli(edit("out.png", "--mask", text.toString())));
        assertTrue(err.contains("--mask " + text) && err.contains("not an image format"), err);
        png(dir.resolve("tiny.png"), 7, 13, 0);
        assertEquals(2, cli(edit("out.png", "--ref", dir.resolve("tiny.png").toString())));
        assertTrue(err.contains("--ref") && err.contains("7×13 pixels") && err.contains("at least 16×16"), err);
        assertTrue(requests().isEmpty());
    }

    @Test
    void anOutputThatCannotBeWrittenKeepsTheImageElsewhere() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path rescue = Files.createDirectory(dir.resolve("rescue"));
        Path previousRescue = CliEngine.rescueDir;
        CliEngine.rescueDir = rescue;
        // the output folder disappears while the job runs (a full disk or an unmounted drive fails the same way)
        CliEngine.factory = () -> new dev.atelier.inference.api.Engine() {
            final FakeEngine fake = newFake();

            @Override
            public dev.atelier.inference.api.JobHandle run(dev.atelier.inference.api.Request r,
                    dev.atelier.inference.api.EngineListener l) {
                try {
                    Files.delete(sub);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return fake.run(r, l);
            }

            @Override
            public void close() {
                fake.close();
            }
        };
        try {
            assertEquals(3, cli(edit("sub/out.png")), err);
        } finally {
            CliEngine.rescueDir = previousRescue;
        }
        assertTrue(err.contains("error: --out " + dir.resolve("sub/out.png")) && err.contains("does not exist"), err);
        assertTrue(err.contains("choose another --out") && err.contains("saved to " + rescue), err);
        try (Stream<Path> s = Files.list(rescue)) {
            List<Path> saved = s.toList();
            assertEquals(1, saved.size());
            assertEquals(80, ImageIO.read(saved.get(0).toFile()).getWidth());
        }
    }

    @Test
    void generateUsesThePresetSize() throws Exception {
        String o = dir.resolve("gen.png").toString();
        assertEquals(0, cli("generate", "--model", model.toString(), "--prompt", "一只小猫", "--preset", "turbo",
                "--width", "512", "--out", o), err);
        GenerateRequest g = assertInstanceOf(GenerateRequest.class, requests().get(0));
        assertEquals(512, g.width());
        assertEquals(1024, g.height());
        assertEquals(4, g.settings().steps());
        assertEquals(1, g.settings().loras().size());
        assertEquals("一只小猫", GenerationParameters.fromJson(pngText(Path.of(o), dev.atelier.inference.api.GenerationParameters.METADATA_KEY)).prompt());
        assertEquals(2, cli("generate", "--model", model.toString(), "--prompt", " ", "--out", o));
        assertTrue(err.contains("prompt: empty"), err);
    }

    static String pngText(Path png, String key) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(png.toFile())) {
            ImageReader r = ImageIO.getImageReaders(in).next();
            r.setInput(in);
            IIOMetadata m = r.getImageMetadata(0);
            Node root = m.getAsTree("javax_imageio_png_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeName().equals("iTXt")) {
                    for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                        if (key.equals(e.getAttributes().getNamedItem("keyword").getNodeValue())) {
                            return e.getAttributes().getNamedItem("text").getNodeValue();
                        }
                    }
                }
            }
        }
        throw new AssertionError("no " + key + " in " + png);
    }
}
