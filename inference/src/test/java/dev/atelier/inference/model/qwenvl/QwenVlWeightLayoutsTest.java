package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The text encoder loads from every key layout users have: the diffusers folder ({@code model.*}, {@code visual.*},
 * {@code lm_head.weight}), transformers' in-memory / Hub names ({@code model.language_model.*}, {@code model.visual.*})
 * and ComfyUI's single bf16 file ({@code model.*}, {@code visual.*}, no lm_head), and computes the same thing.
 */
class QwenVlWeightLayoutsTest {
    private static final Fixture F = FixtureSupport.fixture();

    private static Path textEncoder() {
        return F.editModel().orElseThrow().resolve("text_encoder");
    }

    private static NDArray editHidden(QwenVlModel model, NDManager m) {
        return editHidden(model, m, F.reference("processor"));
    }

    private static NDArray editHidden(QwenVlModel model, NDManager m, Path processorReference) {
        try (SafetensorsFile p = SafetensorsFile.open(processorReference)) {
            return model.forward(QwenVlModelParityChecks.longs2d(p.load("input_ids", m)),
                    QwenVlModelParityChecks.longs2d(p.load("attention_mask", m)), p.load("pixel_values", m),
                    QwenVlModelParityChecks.longs2d(p.load("image_grid_thw", m)), m);
        }
    }

    private static double maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void hubNamesGiveTheSameOutputAsTheDiffusersFolder() {
        QwenVlConfig cfg = QwenVlConfig.fromFolder(textEncoder());
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                WeightStore folder = WeightStores.open(textEncoder());
                QwenVlModel a = QwenVlModel.load(folder, cfg, Device.cpu(), DataType.FLOAT32);
                QwenVlModel b = QwenVlModel.load(new MappedStore(folder, k -> k.startsWith("model.")
                        ? "model.language_model." + k.substring(6) : k.startsWith("visual.") ? "model." + k : k, false),
                        cfg, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(0.0, maxAbs(editHidden(a, m), editHidden(b, m)));
            // a ComfyUI full checkpoint puts the ComfyUI names behind a prefix (keymaps/qwen25vl_text_encoder.json)
            try (QwenVlModel c = QwenVlModel.load(new MappedStore(folder, k -> "text_encoders.qwen25_7b.transformer." + k,
                    false), cfg, Device.cpu(), DataType.FLOAT32)) {
                assertTrue(c.hasVision());
                assertEquals(0.0, maxAbs(editHidden(a, m), editHidden(c, m)));
            }
            WeightStore other = new MappedStore(folder, k -> "unet." + k, false);
            RuntimeException e = assertThrows(dev.atelier.inference.io.WeightFormatException.class,
                    () -> QwenVlModel.load(other, cfg, Device.cpu(), DataType.FLOAT32).close());
            assertTrue(e.getMessage().contains("not a Qwen2.5-VL text encoder"), e.getMessage());
        }
    }

    @Test
    void comfyUiSingleFileMatchesTheFolderWithBf16Weights() throws Exception {
        Path comfy;
        try (Stream<Path> s = Files.list(F.dir().resolve("comfy"))) {
            comfy = s.filter(p -> p.getFileName().toString().startsWith("qwen_2.5_vl")).findFirst().orElse(null);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(comfy != null, "fixture set has no ComfyUI text encoder");
        QwenVlConfig cfg = QwenVlConfig.fromFolder(textEncoder());
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                WeightStore file = WeightStores.open(comfy);
                WeightStore folder = WeightStores.open(textEncoder())) {
            assertFalse(file.contains("lm_head.weight"));
            try (QwenVlModel fromComfy = QwenVlModel.load(comfy, cfg, Device.cpu(), DataType.FLOAT32);
                    QwenVlModel rounded = QwenVlModel.load(new MappedStore(folder, k -> k, true), cfg, Device.cpu(),
                            DataType.FLOAT32)) {
                assertTrue(fromComfy.hasVision());
                // same bf16 values, widened exactly: the same numbers
                assertEquals(0.0, maxAbs(editHidden(fromComfy, m), editHidden(rounded, m)));
            }
        }
    }

    @Test
    void comfyUiScaledFp8FileIsDequantized() {
        // src/test/resources/qwenvl: the tiny encoder in ComfyUI's scaled-fp8 layout and transformers' output with
        // the dequantized weights (see the reference's info metadata)
        Path fp8 = Path.of("src/test/resources/qwenvl/qwen_2.5_vl_tiny_fp8_scaled.safetensors");
        Path tiny = Path.of("src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny/text_encoder");
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                QwenVlModel model = QwenVlModel.load(fp8, QwenVlConfig.fromFolder(tiny), Device.cpu(), DataType.FLOAT32);
                SafetensorsFile ref = SafetensorsFile.open(Path.of("src/test/resources/qwenvl/fp8_scaled_reference.safetensors"))) {
            Path inputs = Path.of("src/test/resources/fixtures/qwen-tiny/reference/processor.safetensors");
            var r = dev.atelier.inference.parity.Parity.compare("fp8_scaled.edit.hidden_states_last", editHidden(model, m, inputs),
                    ref.load("edit.hidden_states_last", m), dev.atelier.inference.parity.Tolerance.FORWARD);
            System.out.println(r.line());
            assertTrue(r.ok(), r.line());
            // an open file is viewed through io.Fp8ScaledStore too: the same weights as the path route
            try (SafetensorsFile raw = SafetensorsFile.open(fp8);
                    QwenVlModel same = QwenVlModel.load(raw, QwenVlConfig.fromFolder(tiny), Device.cpu(), DataType.FLOAT32)) {
                var again = dev.atelier.inference.parity.Parity.compare("fp8_scaled.open_file", editHidden(same, m, inputs),
                        editHidden(model, m, inputs), dev.atelier.inference.parity.Tolerance.EXACT);
                assertTrue(again.ok(), again.line());
            }
            // a store that still lists the scales (e.g. a renamed copy) is refused rather than read unscaled
            try (SafetensorsFile raw = SafetensorsFile.open(fp8)) {
                WeightStore renamed = new MappedStore(raw, k -> k, false);
                assertThrows(dev.atelier.inference.io.WeightFormatException.class,
                        () -> QwenVlModel.load(renamed, QwenVlConfig.fromFolder(tiny), Device.cpu(), DataType.FLOAT32));
            }
        }
    }

    @Test
    void missingTensorNamesTheKey() {
        QwenVlConfig cfg = QwenVlConfig.fromFolder(textEncoder());
        try (WeightStore folder = WeightStores.open(textEncoder())) {
            WeightStore noNorm = new MappedStore(folder, k -> k.equals("model.norm.weight") ? null : k, false);
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> QwenVlModel.load(noNorm, cfg, Device.cpu(), DataType.FLOAT32).close());
            assertTrue(e.getMessage().contains("model.norm.weight"), e.getMessage());
        }
    }

    @Test
    void pipelineFolderResolvesItsTextEncoder() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                QwenVlModel model = QwenVlModel.load(F.editModel().orElseThrow(), null, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(QwenVlConfig.fromFolder(textEncoder()), model.config());
            long[][] ids = {{1, 2, 3}};
            NDArray h = model.forward(ids, null, null, null, m);
            assertEquals(model.config().text().hiddenSize(), h.getShape().get(2));
        }
    }
}
