package dev.atelier.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.JobHandle;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.SizePolicy;
import dev.atelier.inference.api.WeightVariant;
import dev.atelier.inference.noise.NoiseGenerator;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real pipelines behind the engine, on the fixture's tiny models (CPU, float32, small sizes). */
class QwenImageRunnersTest {
    static final long AREA = 128 * 128;
    static QwenImageRunners runners;
    static LocalEngine engine;
    static Path editModel;
    static Path t2iModel;

    @BeforeAll
    static void start() {
        runners = new QwenImageRunners(NDManager.newBaseManager(Device.cpu()), AREA);
        engine = QwenImageRunners.localEngine(runners);
        editModel = FixtureSupport.fixture().editModel().orElseThrow();
        t2iModel = FixtureSupport.fixture().t2iModel().orElseThrow();
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static GenerationSettings settings(long seed, int steps, double cfg) {
        return new GenerationSettings("", WeightVariant.AUTO, seed, steps, cfg, null, List.of());
    }

    record Run(List<EngineEvent> events, EngineEvent.Outcome outcome) {
        EngineEvent.Done done() {
            return assertInstanceOf(EngineEvent.Done.class, outcome, () -> outcome.toString());
        }

        List<String> stages() {
            return events.stream().filter(e -> e instanceof EngineEvent.Stage).map(e -> ((EngineEvent.Stage) e).name()).toList();
        }

        List<EngineEvent.Step> steps() {
            return events.stream().filter(e -> e instanceof EngineEvent.Step).map(e -> (EngineEvent.Step) e).toList();
        }
    }

    static Run run(Request r, int cancelAtStep) throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        JobHandle[] job = new JobHandle[1];
        synchronized (events) {
            job[0] = engine.run(r, e -> {
                events.add(e);
                if (e instanceof EngineEvent.Step s && s.index() == cancelAtStep) {
                    synchronized (events) {
                        job[0].cancel();
                    }
                }
            });
        }
        return new Run(events, job[0].outcome().get());
    }

    static GenerateRequest generate(long seed) {
        return new GenerateRequest(t2iModel, "a red house by a lake", "", 256, 256, settings(seed, 2, 4.0));
    }

    @Test
    void generatingWithAnEditModelFailsAndKeepsTheLoadedModel() throws Exception {
        run(generate(3), -1).done(); // the text-to-image model is loaded
        var before = runners.bundle();
        Run wrong = run(new GenerateRequest(editModel, "a red house", "", 256, 256, settings(3, 2, 1.0)), -1);
        var f = assertInstanceOf(EngineEvent.Failed.class, wrong.outcome(), () -> wrong.outcome().toString());
        assertEquals(FailureKind.BAD_INPUT, f.kind());
        // the edit folder was only looked at (headers), never swapped in: the loaded bundle is the same object
        org.junit.jupiter.api.Assertions.assertSame(before, runners.bundle());
        run(generate(3), -1).done();
        org.junit.jupiter.api.Assertions.assertSame(before, runners.bundle());
    }

    @Test
    void generateEmitsStagesStepsWithPreviewsAndIsReproducible() throws Exception {
        Run a = run(generate(7), -1);
        EngineEvent.Done d = a.done();
        assertEquals(256, d.image().width());
        assertEquals(256, d.image().height());
        assertTrue(a.stages().containsAll(List.of(EngineEvent.Stage.ENCODE_PROMPT, EngineEvent.Stage.DENOISE,
                EngineEvent.Stage.DECODE)), a.stages().toString());
        assertEquals(2, a.steps().size());
        assertNotNull(a.steps().get(0).preview());
        assertEquals(32, a.steps().get(0).preview().width());
        assertTrue(a.events().stream().anyMatch(e -> e instanceof EngineEvent.Memory));
        assertEquals(7, d.parameters().seed());
        assertEquals(NoiseGenerator.ID, d.parameters().noise());
        assertTrue(d.parameters().modelFiles().stream().anyMatch(f -> f.contains("transformer")));
        assertEquals(d.image(), run(generate(7), -1).done().image(), "same seed, same image");
        assertNotEquals(d.image(), run(generate(8), -1).done().image(), "another seed, another image");
    }

    @Test
    void lorasAreMergedExactlyAndSwitchingThemBackRestoresTheModel() throws Exception {
        Path lora = FixtureSupport.dir().resolve("lora/lora_lightx2v.safetensors");
        RgbImage base = run(generate(9), -1).done().image();
        GenerateRequest zero = generate(9).withSettings(settings(9, 2, 4.0).withLoras(
                List.of(new dev.atelier.inference.api.LoraSpec(lora.toString(), 0.0))));
        assertEquals(base, run(zero, -1).done().image(), "strength 0 merges W + 0 * delta = W");
        GenerateRequest one = generate(9).withSettings(settings(9, 2, 4.0).withLoras(
                List.of(new dev.atelier.inference.api.LoraSpec(lora.toString(), 1.0))));
        EngineEvent.Done d = run(one, -1).done();
        assertNotEquals(base, d.image());
        assertTrue(d.parameters().modelFiles().contains(lora.toString()), d.parameters().modelFiles().toString());
        assertEquals(1, d.parameters().loras().size());
        assertEquals(base, run(generate(9), -1).done().image(), "the transformer is reloaded without the LoRA");
        GenerateRequest missing = generate(9).withSettings(settings(9, 2, 4.0).withLoras(
                List.of(new dev.atelier.inference.api.LoraSpec("no-such-lora.safetensors", 1.0))));
        EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, run(missing, -1).outcome());
        assertEquals(FailureKind.MODEL_MISSING, f.kind());
        assertTrue(f.message().contains("no-such-lora.safetensors"), f.message());
    }

    @Test
    void cancellingBetweenStepsReturnsNativeMemoryToItsLevel() throws Exception {
        run(generate(1), -1).done(); // models loaded
        int before = runners.root().getManagedArrays().size();
        Run c = run(new GenerateRequest(t2iModel, "a red house by a lake", "", 256, 256, settings(1, 5, 4.0)), 2);
        EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, c.outcome());
        assertTrue(f.cancelled());
        assertEquals(2, c.steps().size());
        assertEquals(before, runners.root().getManagedArrays().size());
    }

    /** A 400x320 photo with a gradient (larger than the working area and than a crop's 256 px minimum). */
    static RgbImage photo() {
        int w = 400;
        int h = 320;
        int[] p = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[y * w + x] = 0xFF000000 | (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x + y) & 0xFF);
            }
        }
        return new RgbImage(w, h, p);
    }

    static MaskImage box(int w, int h, int x0, int y0, int bw, int bh) {
        byte[] v = new byte[w * h];
        for (int y = y0; y < y0 + bh; y++) {
            for (int x = x0; x < x0 + bw; x++) {
                v[y * w + x] = (byte) 255;
            }
        }
        return new MaskImage(w, h, v);
    }

    @Test
    void maskedEditOfALargerPhotoKeepsItsSizeAndEveryUnmaskedPixel() throws Exception {
        RgbImage src = photo();
        MaskImage mask = box(src.width(), src.height(), 300, 240, 40, 30);
        EditRequest r = new EditRequest(editModel, src, mask, List.of(), "a snowy mountain", "", 1.0,
                SizePolicy.matchSource(), settings(3, 2, 4.0));
        Run run = run(r, -1);
        RgbImage out = run.done().image();
        assertEquals(src.width(), out.width());
        assertEquals(src.height(), out.height());
        int changed = 0;
        for (int i = 0; i < out.argb().length; i++) {
            if (mask.values()[i] == 0) {
                assertEquals(src.argb()[i], out.argb()[i], "unmasked pixel " + i);
            } else if (src.argb()[i] != out.argb()[i]) {
                changed++;
            }
        }
        assertTrue(changed > 0, "the masked area changed");
        assertTrue(run.stages().contains(EngineEvent.Stage.COMPOSITE));
        assertTrue(run.done().parameters().masked());
    }

    @Test
    void maskedEditWithAReferenceKeepsEveryUnmaskedPixel() throws Exception {
        RgbImage src = photo();
        MaskImage mask = box(src.width(), src.height(), 20, 20, 50, 40);
        EditRequest r = new EditRequest(editModel, src, mask, List.of(RgbImage.filled(96, 64, 0x2244AA)),
                "put the blue thing from picture 2 here", "", 1.0, SizePolicy.matchSource(), settings(4, 1, 4.0));
        RgbImage out = run(r, -1).done().image();
        for (int i = 0; i < out.argb().length; i++) {
            if (mask.values()[i] == 0) {
                assertEquals(src.argb()[i], out.argb()[i], "unmasked pixel " + i);
            }
        }
    }

    @Test
    void aMaskCoveringEverythingRepaintsTheWholePhoto() throws Exception {
        RgbImage src = photo();
        EditRequest r = new EditRequest(editModel, src, MaskImage.filled(src.width(), src.height(), 255), List.of(),
                "a snowy mountain", "", 1.0, SizePolicy.matchSource(), settings(3, 1, 1.0));
        RgbImage out = run(r, -1).done().image();
        assertEquals(src.width(), out.width());
        long same = java.util.stream.IntStream.range(0, out.argb().length).filter(i -> out.argb()[i] == src.argb()[i]).count();
        assertTrue(same < out.argb().length / 10, same + " pixels unchanged");
    }

    @Test
    void aMaskOfAnotherSizeIsResizedWithANote() throws Exception {
        RgbImage src = photo();
        MaskImage small = box(200, 160, 60, 45, 20, 15);
        EditRequest r = new EditRequest(editModel, src, small, List.of(), "a snowy mountain", "", 0.9,
                SizePolicy.matchSource(), settings(3, 2, 1.0));
        Run run = run(r, -1);
        run.done();
        assertTrue(run.stages().stream().anyMatch(s -> s.contains("mask was resized")), run.stages().toString());
    }

    @Test
    void wholeImageEditWithAReferenceMatchesTheSourceSize() throws Exception {
        RgbImage src = photo();
        RgbImage ref = RgbImage.filled(64, 96, 0x884422);
        EditRequest r = new EditRequest(editModel, src, null, List.of(ref), "put the brown thing in the picture", " ",
                1.0, SizePolicy.matchSource(), settings(5, 2, 4.0));
        EngineEvent.Done d = run(r, -1).done();
        assertEquals(400, d.image().width());
        assertEquals(320, d.image().height());
        assertEquals(1, d.parameters().references());
    }

    @Test
    void wrongModelKindAndMissingComponentsAreNamed(@TempDir Path tmp) throws Exception {
        EditRequest onT2i = EditRequest.of(t2iModel, photo(), "x", settings(1, 1, 1.0));
        EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, run(onT2i, -1).outcome());
        assertEquals(FailureKind.BAD_INPUT, f.kind());
        assertTrue(f.message().contains("text-to-image"), f.message());

        Path noVae = tmp.resolve("edit-without-vae");
        dev.atelier.inference.parity.FixtureSupport.copyTree(editModel, noVae);
        deleteTree(noVae.resolve("vae"));
        EditRequest r = new EditRequest(noVae, photo(), box(400, 320, 10, 10, 20, 20), List.of(), "x", "", 1.0,
                SizePolicy.matchSource(), settings(1, 1, 1.0));
        f = assertInstanceOf(EngineEvent.Failed.class, run(r, -1).outcome());
        assertEquals(FailureKind.MODEL_MISSING, f.kind());
        assertTrue(f.message().contains("vae/") && f.message().contains("VAE"), f.message());

        Path none = tmp.resolve("nothing");
        Files.createDirectories(none);
        f = assertInstanceOf(EngineEvent.Failed.class, run(new GenerateRequest(none, "x", "", 256, 256,
                settings(1, 1, 1.0)), -1).outcome());
        assertEquals(FailureKind.MODEL_MISSING, f.kind());
        assertTrue(f.message().contains("model_index.json"), f.message());
    }

    static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
