package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.WeightVariant;
import dev.atelier.inference.io.ModelDetector;
import dev.atelier.inference.model.qwenimage.QwenImageConfig;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.sched.SchedulerConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edits run from ComfyUI single files (the fixture's comfy/ and gguf/ files in a models/ folder), on the CPU. */
class ComfyModelSourceTest {
    /** fp8_scaled (per-tensor e4m3, max|W|/448 scales) vs bf16: max abs difference allowed on the [0, 1] image. */
    static final double FP8_VS_BF16_IMAGE = 0.05;
    /** The GGUF file (Q4_0/Q4_K/Q8_0/F16 blocks) vs bf16. */
    static final double GGUF_VS_BF16_IMAGE = 0.1;

    @TempDir
    static Path tmp;
    static NDManager root;
    static Path models;
    static NDArray bf16Image;

    @BeforeAll
    static void setUp() {
        root = NDManager.newBaseManager();
        models = ComfyFolders.models(tmp.resolve("a"), List.of(ComfyFolders.BF16, ComfyFolders.FP8_SCALED), true);
        try (ModelBundle b = ModelBundle.open(models, root)) {
            assertEquals(ModelBundle.Kind.EDIT, b.kind());
            bf16Image = edit(b, root);
        }
    }

    @AfterAll
    static void tearDown() {
        root.close();
    }

    /** A 2-step, cfg 4 edit at 64×64 from the fixture's input image with recorded initial latents. */
    static NDArray edit(ModelBundle b, NDManager out) {
        RgbImage img = FixtureSupport.fixture().referenceImage("input_image.png");
        try (NDManager m = out.newSubManager()) {
            var sampling = new PipelineSupport.Sampling(2, 4.0, null, DenoiseLoop.CfgMode.BATCHED);
            PipelineSupport.Output o = new EditPipeline(b).run(new EditPipeline.Inputs(List.of(img),
                    "Make the cat wear a red hat", " ", 64, 64, sampling, null, NoiseSource.seeded(7), true), m,
                    PipelineSupport.Observer.NONE, s -> { });
            NDArray pt = o.pt().duplicate();
            pt.attach(out);
            return pt;
        }
    }

    static double maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void comfyBf16EqualsDiffusersFolderRoundedToBf16Exactly() {
        Path diffusers = ComfyFolders.diffusersRoundedToBf16(tmp.resolve("b"));
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(diffusers, m)) {
            NDArray ref = edit(b, m);
            // same bf16 values widened exactly to float32, same float32 ops: bit-identical (Tolerance.EXACT)
            assertEquals(0.0, maxAbs(bf16Image, ref), "comfy bf16 files vs diffusers folder rounded to bf16");
        }
    }

    @Test
    void fp8ScaledRunsWithinToleranceOfBf16AndIsTheFileUsed() {
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(models, m)) {
            b.setWeightVariant(WeightVariant.FP8);
            NDArray fp8 = edit(b, m);
            assertTrue(b.loadedFiles().stream().anyMatch(f -> f.endsWith(ComfyFolders.FP8_SCALED)), b.loadedFiles().toString());
            double d = maxAbs(fp8, bf16Image);
            System.out.println("comfy fp8_scaled vs bf16 image max_abs=" + d);
            assertTrue(d > 0 && d <= FP8_VS_BF16_IMAGE, "fp8 vs bf16 max abs " + d);
            // switching back drops the fp8 transformer and loads the bf16 file
            b.setWeightVariant(WeightVariant.BF16);
            assertEquals(0.0, maxAbs(edit(b, m), bf16Image));
        }
    }

    @Test
    void fp8KeptEightBitMatchesDequantisedAtLoadWithAndWithoutALora() {
        // the GPU path (Fp8Weights: fp8 kept, dequantised per layer; LoRA attached, not merged) forced on the CPU
        Path lora = FixtureSupport.dir().resolve("lora/lora_lightx2v.safetensors");
        try (NDManager m = root.newSubManager(); ModelBundle widened = ModelBundle.open(models, m);
                ModelBundle kept = ModelBundle.open(models, m)) {
            kept.comfy().orElseThrow().keepFp8(true);
            for (ModelBundle b : List.of(widened, kept)) {
                b.setWeightVariant(WeightVariant.FP8);
            }
            double plain = maxAbs(edit(kept, m), edit(widened, m));
            for (ModelBundle b : List.of(widened, kept)) {
                b.setLoras(List.of(new dev.atelier.inference.api.LoraSpec(lora.toString(), 0.8)));
            }
            NDArray withLora = edit(kept, m);
            double lorad = maxAbs(withLora, edit(widened, m));
            System.out.println("fp8 kept vs widened image max_abs=" + plain + ", with LoRA " + lorad);
            assertTrue(plain <= dev.atelier.inference.parity.Tolerance.IMAGE.atol(), "fp8 kept vs widened " + plain);
            assertTrue(lorad <= dev.atelier.inference.parity.Tolerance.IMAGE.atol(), "with LoRA " + lorad);
            assertTrue(maxAbs(withLora, bf16Image) > 1e-4, "the LoRA changed the output");
        }
    }

    @Test
    void ggufTransformerRuns() {
        Path gguf = ComfyFolders.models(tmp.resolve("g"), List.of(ComfyFolders.GGUF), true);
        // the request names the .gguf file itself (what the studio's model set-up passes): AUTO takes it
        try (NDManager m = root.newSubManager();
                ModelBundle b = ModelBundle.open(gguf.resolve("diffusion_models").resolve(ComfyFolders.GGUF), m)) {
            assertEquals(ModelBundle.Kind.EDIT, b.kind());
            NDArray out = edit(b, m);
            double d = maxAbs(out, bf16Image);
            System.out.println("comfy gguf vs bf16 image max_abs=" + d);
            assertTrue(d <= GGUF_VS_BF16_IMAGE, "gguf vs bf16 max abs " + d);
            assertTrue(b.loadedFiles().stream().anyMatch(f -> f.endsWith(ComfyFolders.GGUF)));
        }
    }

    @Test
    void textToImageRunsFromA2512File() {
        Path t2i = ComfyFolders.t2iModels(tmp.resolve("t"));
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(t2i, m)) {
            assertEquals(ModelBundle.Kind.TEXT_TO_IMAGE, b.kind(), "no __index_timestep_zero__: 2512");
            var sampling = new PipelineSupport.Sampling(2, 1.0, null, DenoiseLoop.CfgMode.BATCHED);
            PipelineSupport.Output o = new TextToImagePipeline(b).run(new TextToImagePipeline.Inputs("一只小猫", null, 64,
                    64, sampling, null, NoiseSource.seeded(3), true), m, PipelineSupport.Observer.NONE, s -> { });
            assertEquals(new ai.djl.ndarray.types.Shape(1, 3, 64, 64), o.pt().getShape());
            assertTrue(Float.isFinite(o.pt().sum().getFloat()));
        }
    }

    @Test
    void aFolderWithBothFamiliesServesEditsAndTextToImage() throws Exception {
        Path both = ComfyFolders.models(tmp.resolve("both"), List.of(ComfyFolders.BF16), true);
        Path t2iFile = ComfyFolders.t2iModels(tmp.resolve("t2i-source"))
                .resolve("diffusion_models/qwen_image_2512_tiny.safetensors");
        java.nio.file.Files.copy(t2iFile, both.resolve("diffusion_models/qwen_image_2512_tiny.safetensors"));
        assertEquals(ModelBundle.Kind.EDIT, ComfyModelSource.detect(both).kind(), "edits by default");
        ComfyModelSource t = ComfyModelSource.detect(both, ModelBundle.Kind.TEXT_TO_IMAGE);
        assertEquals(ModelBundle.Kind.TEXT_TO_IMAGE, t.kind());
        assertEquals("qwen_image_2512_tiny.safetensors", t.choose(WeightVariant.AUTO).file().getFileName().toString());
        assertEquals(ModelBundle.Kind.EDIT, ComfyModelSource.detect(both, ModelBundle.Kind.EDIT).kind());
        var scan = dev.atelier.inference.api.ModelSetup.scan(both);
        assertTrue(scan.canEdit(), scan.missing() + " " + scan.problems());
        assertEquals(both.resolve("diffusion_models/qwen_image_2512_tiny.safetensors").toAbsolutePath(),
                scan.generateModel().toAbsolutePath(), "the studio offers text-to-image from the same folder");
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(scan.generateModel(), m)) {
            assertEquals(ModelBundle.Kind.TEXT_TO_IMAGE, b.kind());
        }
    }

    @Test
    void theStudiosModelSetUpAnswerOpens() {
        var scan = dev.atelier.inference.api.ModelSetup.scan(models);
        assertTrue(scan.canEdit(), scan.missing() + " " + scan.problems());
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(scan.editModel(), m)) {
            assertEquals(ModelBundle.Kind.EDIT, b.kind());
            assertEquals(models.toAbsolutePath(), b.comfy().orElseThrow().root().toAbsolutePath());
            // the file the set-up named is used as is; a preset asking for fp8 takes the fp8 sibling
            assertEquals(scan.editModel(), b.comfy().orElseThrow().choose(WeightVariant.AUTO).file());
            assertEquals(ComfyFolders.FP8_SCALED,
                    b.comfy().orElseThrow().choose(WeightVariant.FP8).file().getFileName().toString());
        }
    }

    @Test
    void missingVaeAndMissingFp8AreNamed() {
        Path noVae = ComfyFolders.models(tmp.resolve("n"), List.of(ComfyFolders.BF16), false);
        try (NDManager m = root.newSubManager(); ModelBundle b = ModelBundle.open(noVae, m)) {
            EngineError e = assertThrows(EngineError.class, b::vae);
            assertEquals(FailureKind.MODEL_MISSING, e.kind());
            assertTrue(e.suggestion().contains("vae/qwen_image_vae.safetensors"), e.suggestion());
            EngineError f = assertThrows(EngineError.class, () -> b.setWeightVariant(WeightVariant.FP8));
            assertEquals(FailureKind.MODEL_MISSING, f.kind());
            assertTrue(f.suggestion().contains("diffusion_models/qwen_image_edit_2511_fp8mixed.safetensors"),
                    f.suggestion());
        }
    }

    @Test
    void realComfyUsersGetTheBundledTokenizerAndReleasedConfigs() throws Exception {
        Path bare = ComfyFolders.models(tmp.resolve("bare"), List.of(ComfyFolders.BF16), true);
        try (var s = java.nio.file.Files.walk(bare.resolve(ComfyModelSource.OVERRIDES))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        ComfyModelSource src = ComfyModelSource.detect(bare);
        assertTrue(src.tokenizerOverride().isEmpty());
        assertEquals(3584, src.textEncoderConfig().text().hiddenSize(), "the released Qwen2.5-VL-7B config");
        // the bundled processor defaults equal the released processor/preprocessor_config.json (the fixture copies it)
        Path edit = FixtureSupport.fixture().editModel().orElseThrow();
        assertEquals(describe(dev.atelier.inference.model.qwenvl.ImageProcessorConfig.fromFolder(edit.resolve("processor"))),
                describe(src.imageProcessorConfig()));
        assertEquals(SchedulerConfig.read(edit.resolve("scheduler/scheduler_config.json")), src.scheduler());
        assertEquals(ComfyModelSource.detect(models).tokenizerOverride().orElseThrow(),
                models.resolve("atelier/processor"));
    }

    static String describe(dev.atelier.inference.model.qwenvl.ImageProcessorConfig c) {
        return c.toString().replaceAll("\\[D@[0-9a-f]+", "") + java.util.Arrays.toString(c.imageMean())
                + java.util.Arrays.toString(c.imageStd());
    }

    @Test
    void defaultsForWhatSingleFilesLack() {
        ComfyModelSource s = ComfyModelSource.detect(models);
        // no atelier/scheduler/ override: the released Qwen-Image scheduler config
        assertEquals(SchedulerConfig.qwenImage(), s.scheduler());
        assertEquals(List.of(ComfyFolders.BF16, ComfyFolders.FP8_SCALED),
                s.transformers().stream().map(c -> c.file().getFileName().toString()).toList());
        assertEquals(ModelDetector.Format.FP8_SCALED, s.choose(WeightVariant.FP8).format());
        assertEquals(ComfyFolders.BF16, s.choose(WeightVariant.AUTO).file().getFileName().toString());
        // without the transformer/config.json override the config comes from the weights, 2511 from the marker
        try (var store = dev.atelier.inference.io.KeyMapper.view(dev.atelier.inference.io.WeightStores.open(
                models.resolve("diffusion_models").resolve(ComfyFolders.BF16)),
                dev.atelier.inference.io.KeyMapper.Component.TRANSFORMER)) {
            QwenImageConfig json = QwenImageConfig.read(models.resolve("atelier/transformer/config.json"));
            QwenImageConfig d = QwenImageConfig.detectFromWeights(store).withZeroCondT(s.choose(WeightVariant.BF16).edit());
            assertEquals(json.innerDim(), d.innerDim());
            assertEquals(json.numLayers(), d.numLayers());
            assertTrue(d.zeroCondT());
        }
    }
}
