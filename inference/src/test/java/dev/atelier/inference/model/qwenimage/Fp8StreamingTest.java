package dev.atelier.inference.model.qwenimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.KeyMapper;
import dev.atelier.inference.io.MappedStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.lora.LoraAdapter;
import dev.atelier.inference.lora.LoraLoader;
import dev.atelier.inference.nn.Fp8Linear;
import dev.atelier.inference.nn.Fp8Weights;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.runtime.BlockPlacement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** fp8 kept 8-bit (the GPU path, on the CPU in float32), LoRA on that base, and block streaming. */
class Fp8StreamingTest {
    private static Path fp8File() throws Exception {
        try (Stream<Path> s = Files.list(FixtureSupport.dir().resolve("comfy"))) {
            return s.filter(p -> p.getFileName().toString().contains("edit") && p.toString().endsWith("fp8_scaled.safetensors"))
                    .findFirst().orElseThrow();
        }
    }

    private static Path loraFile() throws Exception {
        try (Stream<Path> s = Files.list(FixtureSupport.dir().resolve("lora"))) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().findFirst().orElseThrow();
        }
    }

    private static QwenImageConfig config() {
        return QwenImageConfig.read(FixtureSupport.fixture().editModel().orElseThrow()
                .resolve("transformer").resolve("config.json"));
    }

    private static NDArray run(QwenImageTransformer model, NDManager m, QwenImageConfig c) {
        m.getEngine().setRandomSeed(7);
        List<ImageShape> imgs = List.of(new ImageShape(1, 2, 2), new ImageShape(1, 2, 2));
        NDArray hidden = m.randomNormal(0f, 1f, new Shape(1, 8, c.inChannels()), DataType.FLOAT32);
        NDArray enc = m.randomNormal(0f, 1f, new Shape(1, 5, c.jointAttentionDim()), DataType.FLOAT32);
        NDArray t = m.create(new float[] {0.6f});
        return model.forward(hidden, enc, null, t, List.of(imgs));
    }

    private static float maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void loraOnFp8BaseRunsInComputeDtypeAndNeverRequantises() throws Exception {
        QwenImageConfig c = config();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                MappedStore store = KeyMapper.view(WeightStores.open(fp8File()), KeyMapper.Component.TRANSFORMER);
                Fp8Weights fp8 = new Fp8Weights(m, DataType.FLOAT32, null)) {
            Weights kw = new Weights(store, m, DataType.FLOAT32).withLinearFactory(fp8);
            Weights fw = new Weights(store, m, DataType.FLOAT32);
            try (QwenImageTransformer kept = QwenImageTransformer.load(c, kw, QwenImageTransformer.Impl.EAGER);
                    QwenImageTransformer dequant = QwenImageTransformer.load(c, fw, QwenImageTransformer.Impl.EAGER);
                    LoraAdapter lora = LoraLoader.load(loraFile(), LoraLoader.linearModules(store), m)) {
                assertTrue(fp8.count() > 0);
                Linear q = kw.modules().get("transformer_blocks.0.attn.to_q");
                assertTrue(q instanceof Fp8Linear, "fp8 weights stay fp8: " + q);
                NDArray base = run(kept, m, c);
                assertEquals(0f, maxDiff(base, run(dequant, m, c)), 1e-5f);

                // the merged path would requantise an fp8 weight: refused, nothing changed
                assertThrows(UnsupportedOperationException.class, () -> lora.merge(kw.modules(), 1f));
                LoraAdapter.Applied a = lora.attach(kw.modules(), 1f, m);
                LoraAdapter.Applied b = lora.attach(fw.modules(), 1f, m);
                NDArray withLora = run(kept, m, c);
                assertTrue(maxDiff(withLora, base) > 1e-3f, "the LoRA changes the output");
                assertEquals(0f, maxDiff(withLora, run(dequant, m, c)), 1e-5f);
                a.remove();
                b.remove();
                assertEquals(0f, maxDiff(base, run(kept, m, c)), 0f, "removal restores the base exactly");
            }
        }
    }

    @Test
    void hostCopiesOfCpuWeightsOwnTheirMemory() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.create(new float[] {1f, 2f, 3f}); // wraps a Java buffer, as loaded weights did
            NDArray copy = BlockStreamer.copyTo(x, Device.cpu());
            copy.addi(m.create(10f));
            assertEquals(1f, x.getFloat(0), "the streamer's host copy must not share the original's storage");
            x.close();
            assertEquals(11f, copy.getFloat(0));
        }
    }

    @Test
    void streamedBlocksGiveTheResidentResult() throws Exception {
        QwenImageConfig c = config();
        for (boolean keepFp8 : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager(Device.cpu());
                    MappedStore store = KeyMapper.view(WeightStores.open(fp8File()), KeyMapper.Component.TRANSFORMER);
                    Fp8Weights fp8 = new Fp8Weights(m, DataType.FLOAT32, null)) {
                Weights w = new Weights(store, m, DataType.FLOAT32).withLinearFactory(keepFp8 ? fp8 : null);
                try (QwenImageTransformer model = QwenImageTransformer.load(c, w, QwenImageTransformer.Impl.EAGER)) {
                    NDArray resident = run(model, m, c);
                    List<BlockPlacement> placement = new ArrayList<>();
                    for (int i = 0; i < c.numLayers(); i++) {
                        placement.add(new BlockPlacement(i, "transformer_blocks." + i, 0,
                                i % 2 == 1 || c.numLayers() == 1 ? BlockPlacement.Residency.STREAMED
                                        : BlockPlacement.Residency.RESIDENT));
                    }
                    BlockStreamer s = model.stream(placement);
                    assertTrue(s.streamedBlocks() > 0);
                    assertTrue(s.streamedBytesPerForward() > 0);
                    Linear l = model.blockLinears(placement.stream().filter(BlockPlacement::streamed)
                            .findFirst().orElseThrow().index()).get(0);
                    assertTrue(l.streamed());
                    NDArray streamed = run(model, m, c);
                    assertEquals(0f, maxDiff(resident, streamed), 0f, "streaming moves bytes, never values");
                    assertThrows(IllegalStateException.class, () -> l.forward(m.ones(new Shape(1, l.inFeatures()))),
                            "a streamed layer outside the forward is not on the device");
                    assertEquals(0f, maxDiff(resident, run(model, m, c)), 0f, "second forward the same");
                    // the GPU path applies the placement while loading (each streamed block leaves right after it loads)
                    try (QwenImageTransformer loaded = QwenImageTransformer.load(c, w, QwenImageTransformer.Impl.EAGER,
                            placement)) {
                        assertEquals(s.streamedBlocks(), loaded.streamer().orElseThrow().streamedBlocks());
                        assertEquals(0f, maxDiff(resident, run(loaded, m, c)), 0f);
                    }
                }
            }
        }
    }

    @Test
    void fusedProjectionsMatchAndKeepLoraWorking() throws Exception {
        QwenImageConfig c = config();
        Path folder = FixtureSupport.fixture().editModel().orElseThrow().resolve("transformer");
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                MappedStore store = KeyMapper.view(WeightStores.open(folder), KeyMapper.Component.TRANSFORMER)) {
            Weights w = new Weights(store, m, DataType.FLOAT32);
            try (QwenImageTransformer model = QwenImageTransformer.load(c, w, QwenImageTransformer.Impl.EAGER);
                    LoraAdapter lora = LoraLoader.load(loraFile(), LoraLoader.linearModules(store), m)) {
                NDArray base = run(model, m, c);
                LoraAdapter.Applied a = lora.attach(w.modules(), 0.8f, m);
                NDArray attached = run(model, m, c);
                a.remove();
                LoraAdapter.Applied mg = lora.merge(w.modules(), 0.8f);
                NDArray merged = run(model, m, c);
                mg.remove();

                assertEquals(c.numLayers(), model.fuseProjections());
                assertEquals(0f, maxDiff(base, run(model, m, c)), 1e-5f, "one GEMM = three GEMMs");
                a = lora.attach(w.modules(), 0.8f, m);
                assertEquals(0f, maxDiff(attached, run(model, m, c)), 1e-5f, "adapters fall back to three GEMMs");
                a.remove();
                mg = lora.merge(w.modules(), 0.8f);
                assertEquals(0f, maxDiff(merged, run(model, m, c)), 1e-5f, "a merge writes through the fused views");
                mg.remove();
                assertEquals(0f, maxDiff(base, run(model, m, c)), 1e-5f);
            }
        }
    }

    /** The ops file's packed path (real float8 tensors made through the table), here on libtorch's CPU. */
    @Test
    void packedFp8ThroughTheOpsFileMatchesTheTablePath() throws Exception {
        QwenImageConfig c = config();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                MappedStore store = KeyMapper.view(WeightStores.open(fp8File()), KeyMapper.Component.TRANSFORMER);
                dev.atelier.inference.nn.TorchOps ops = dev.atelier.inference.nn.TorchOps.load(m).orElseThrow();
                Fp8Weights packed = new Fp8Weights(m, DataType.FLOAT32, ops);
                Fp8Weights table = new Fp8Weights(m, DataType.FLOAT32, null)) {
            try (QwenImageTransformer a = QwenImageTransformer.load(c,
                            new Weights(store, m, DataType.FLOAT32).withLinearFactory(packed),
                            QwenImageTransformer.Impl.EAGER);
                    QwenImageTransformer b = QwenImageTransformer.load(c,
                            new Weights(store, m, DataType.FLOAT32).withLinearFactory(table),
                            QwenImageTransformer.Impl.EAGER)) {
                assertEquals(dev.atelier.inference.nn.Fp8Codec.Mode.PACKED,
                        packed.codecs().values().iterator().next().mode());
                assertEquals(dev.atelier.inference.nn.Fp8Codec.Mode.LUT,
                        table.codecs().values().iterator().next().mode());
                assertEquals(0f, maxDiff(run(a, m, c), run(b, m, c)), 1e-5f);
            }
        }
    }
}
