package dev.atelier.inference.model.qwenimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.RandomWeightStore;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QwenImageTransformerTest {
    private static Path editTransformer() {
        return FixtureSupport.fixture().editModel().orElseThrow().resolve("transformer");
    }

    @Test
    void configReadsJsonWithDiffusersDefaults() {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        assertTrue(c.zeroCondT());
        assertEquals(c.numAttentionHeads() * c.attentionHeadDim(), c.innerDim());
        QwenImageConfig real = QwenImageConfig.named("real-edit-2511");
        assertEquals(60, real.numLayers());
        assertEquals(3072, real.innerDim());
        assertEquals(3584, real.jointAttentionDim());
        assertEquals(List.of(16, 56, 56), real.axesDimsRope());
        assertTrue(real.zeroCondT());
        assertFalse(QwenImageConfig.named("real-2512").zeroCondT());
        assertEquals(QwenImageConfig.defaults(), QwenImageConfig.named("real-2512"));
        assertThrows(IllegalArgumentException.class, () -> QwenImageConfig.named("real-3000"));
    }

    @Test
    void detectsConfigFromWeightsWithoutReadingData() {
        QwenImageConfig json = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (WeightStore s = WeightStores.open(editTransformer())) {
            QwenImageConfig d = QwenImageConfig.detectFromWeights(s);
            assertEquals(json.innerDim(), d.innerDim());
            assertEquals(json.numLayers(), d.numLayers());
            assertEquals(json.attentionHeadDim(), d.attentionHeadDim());
            assertEquals(json.inChannels(), d.inChannels());
            assertEquals(json.outChannelsOrIn(), d.outChannelsOrIn());
            assertEquals(json.jointAttentionDim(), d.jointAttentionDim());
            assertFalse(d.zeroCondT(), "diffusers folders carry no zero_cond_t marker");
        }
        // the real architecture, from names and shapes only
        QwenImageConfig real = QwenImageConfig.named("real-edit-2511");
        try (WeightStore s = new RandomWeightStore(QwenImageWeights.expected(real))) {
            assertEquals(real.withZeroCondT(false), QwenImageConfig.detectFromWeights(s));
        }
    }

    @Test
    void misShapedWeightNamesKeyExpectedAndFound() {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        Map<String, long[]> shapes = new LinkedHashMap<>(QwenImageWeights.expected(c));
        shapes.put("transformer_blocks.1.attn.to_k.weight", new long[] {c.innerDim(), c.innerDim() + 1});
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                WeightStore s = new RandomWeightStore(shapes)) {
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> QwenImageTransformer.load(c, new Weights(s, m, DataType.FLOAT32),
                            QwenImageTransformer.Impl.EAGER));
            assertTrue(e.getMessage().contains("transformer_blocks.1.attn.to_k.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("[" + c.innerDim() + ", " + c.innerDim() + "]"), e.getMessage());
            assertTrue(e.getMessage().contains("found [" + c.innerDim() + ", " + (c.innerDim() + 1) + "]"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("is this"), "hint missing: " + e.getMessage());
        }
        shapes.remove("transformer_blocks.0.img_mlp.net.2.bias");
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                WeightStore s = new RandomWeightStore(shapes)) {
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> QwenImageTransformer.load(c, new Weights(s, m, DataType.FLOAT32),
                            QwenImageTransformer.Impl.EAGER));
            assertTrue(e.getMessage().contains("missing weight 'transformer_blocks.0.img_mlp.net.2.bias'"),
                    e.getMessage());
        }
    }

    @Test
    void tokenCountsNotMatchingImgShapesFailBeforeCompute() {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                WeightStore s = WeightStores.open(editTransformer());
                QwenImageTransformer t = QwenImageTransformer.load(c, new Weights(s, m, DataType.FLOAT32),
                        QwenImageTransformer.Impl.EAGER)) {
            NDArray hidden = m.zeros(new Shape(1, 40, c.inChannels()));
            NDArray enc = m.zeros(new Shape(1, 5, c.jointAttentionDim()));
            NDArray ts = m.create(new float[] {0.5f});
            int before = m.getManagedArrays().size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.forward(hidden, enc,
                    null, ts, List.of(List.of(new ImageShape(1, 4, 6), new ImageShape(1, 6, 4)))));
            assertTrue(e.getMessage().contains("48 image tokens but hidden_states has 40"), e.getMessage());
            assertEquals(before, m.getManagedArrays().size(), "no array may be created before the check");
            e = assertThrows(IllegalArgumentException.class, () -> t.forward(hidden, enc, null, ts, List.of()));
            assertTrue(e.getMessage().contains("img_shapes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.forward(hidden, enc, m.ones(new Shape(1, 4)), ts,
                    List.of(List.of(new ImageShape(1, 5, 8)))));
            assertTrue(e.getMessage().contains("encoder_hidden_states_mask"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(QwenImageTransformer.Impl.class)
    void paddedPromptsAttendPerSampleWithoutAMaskAndMatchTheMaskedAttention(QwenImageTransformer.Impl impl) {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); WeightStore s = WeightStores.open(editTransformer());
                QwenImageTransformer t = QwenImageTransformer.load(c, new Weights(s, m, DataType.FLOAT32), impl)) {
            NDArray hidden = m.randomNormal(new Shape(2, 48, c.inChannels()));
            NDArray enc = m.randomNormal(new Shape(2, 7, c.jointAttentionDim()));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 7));
            NDArray ts = m.create(new float[] {0.9f, 0.3f});
            var shapes = List.of(List.of(new ImageShape(1, 4, 6), new ImageShape(1, 6, 4)),
                    List.of(new ImageShape(1, 4, 6), new ImageShape(1, 6, 4)));
            assertEquals(5, QwenImageTransformer.prefixLengths(mask)[0]);
            NDArray perSample = t.forward(hidden, enc, mask, ts, shapes);
            System.setProperty("atelier.attention.padding", "masked");
            NDArray masked;
            try {
                masked = t.forward(hidden, enc, mask, ts, shapes);
            } finally {
                System.clearProperty("atelier.attention.padding");
            }
            float diff = perSample.sub(masked).abs().max().getFloat();
            assertTrue(diff < 1e-4f, "per-sample vs masked attention max abs " + diff);
            // a boolean mask (what toType hands back as is) stays usable for the next step
            NDArray boolMask = mask.toType(DataType.BOOLEAN, true);
            t.forward(hidden, enc, boolMask, ts, shapes).close();
            assertFalse(boolMask.isReleased(), "the caller's mask was closed");
            t.forward(hidden, enc, boolMask, ts, shapes).close();
            // a mask with a hole keeps the masked attention
            assertEquals(null, QwenImageTransformer.prefixLengths(m.create(new long[] {1, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                    1, 1, 1, 1}, new Shape(2, 7))));
        }
    }

    @ParameterizedTest
    @EnumSource(QwenImageTransformer.Impl.class)
    void nativeMemoryStaysFlatOverManyForwards(QwenImageTransformer.Impl impl) {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                WeightStore s = WeightStores.open(editTransformer())) {
            NDManager weights = root.newSubManager();
            NDManager io = root.newSubManager();
            try (QwenImageTransformer t = QwenImageTransformer.load(c, new Weights(s, weights, DataType.FLOAT32),
                    impl)) {
                NDArray hidden = io.randomNormal(new Shape(2, 48, c.inChannels()));
                NDArray enc = io.randomNormal(new Shape(2, 7, c.jointAttentionDim()));
                NDArray mask = io.create(new long[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 7));
                NDArray ts = io.create(new float[] {0.9f, 0.3f});
                var shapes = List.of(List.of(new ImageShape(1, 4, 6), new ImageShape(1, 6, 4)),
                        List.of(new ImageShape(1, 4, 6), new ImageShape(1, 6, 4)));
                int weightArrays = weights.getManagedArrays().size();
                t.forward(hidden, enc, mask, ts, shapes).close(); // warm-up
                int ioArrays = io.getManagedArrays().size();
                for (int i = 0; i < 25; i++) {
                    try (NDArray out = t.forward(hidden, enc, mask, ts, shapes)) {
                        assertEquals(new Shape(2, 48, c.projOutChannels()), out.getShape());
                    }
                    assertEquals(ioArrays, io.getManagedArrays().size(), "forward " + i + " left arrays behind");
                }
                assertEquals(weightArrays, weights.getManagedArrays().size(), "the weight manager grew");
            }
        }
    }

    @Test
    void ropeTablesAreReusedAcrossStepsAndEvictedAcrossSizes() {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                WeightStore s = WeightStores.open(editTransformer());
                QwenImageTransformer t = QwenImageTransformer.load(c, new Weights(s, root.newSubManager(),
                        DataType.FLOAT32), QwenImageTransformer.Impl.FUSED)) {
            NDManager io = root.newSubManager();
            NDArray enc = io.randomNormal(new Shape(1, 5, c.jointAttentionDim()));
            NDArray ts = io.create(new float[] {0.6f});
            java.util.function.IntFunction<NDArray> run = side -> {
                var shapes = List.of(List.of(new ImageShape(1, side, side + 1), new ImageShape(1, side + 1, side)));
                NDArray hidden = io.ones(new Shape(1, 2L * side * (side + 1), c.inChannels())).mul(0.1f);
                return t.forward(hidden, enc, null, ts, shapes);
            };
            NDArray first = run.apply(4);
            NDArray again = run.apply(4); // the cached tables
            assertEquals(0f, first.sub(again).abs().max().getFloat(), "same step twice");
            for (int side : new int[] {2, 3, 5, 6, 7}) { // more sizes than the cache keeps: the first one is evicted
                run.apply(side).close();
            }
            NDArray later = run.apply(4); // made again
            assertEquals(0f, first.sub(later).abs().max().getFloat(), "after eviction");
        }
    }

    @Test
    void randomStoreListsEveryKeyTheLoaderBinds() {
        QwenImageConfig c = QwenImageConfig.read(editTransformer().resolve("config.json"));
        try (WeightStore real = WeightStores.open(editTransformer())) {
            Map<String, long[]> expected = QwenImageWeights.expected(c);
            for (TensorInfo i : real.tensors().values()) {
                assertTrue(expected.containsKey(i.name()), "not in the expected table: " + i.name());
                assertEquals(List.of(box(expected.get(i.name()))), List.of(box(i.shape())), i.name());
            }
            assertEquals(real.tensors().size(), expected.size());
        }
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }
}
