package dev.atelier.inference.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.KeyMapper;
import dev.atelier.inference.io.LoraFormat;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA parsing in the four fixture layouts, runtime attach vs merge, and the refusals. */
class LoraLoaderTest {
    @TempDir
    Path tmp;

    private final Fixture fx = FixtureSupport.fixture();
    private NDManager manager;
    private WeightStore base;
    private Map<String, long[]> modules;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
        base = KeyMapper.view(WeightStores.open(fx.editModel().orElseThrow().resolve("transformer")),
                KeyMapper.Component.TRANSFORMER);
        modules = LoraLoader.linearModules(base);
    }

    @AfterEach
    void close() {
        base.close();
        manager.close();
    }

    private LoraAdapter load(String file) {
        return LoraLoader.load(fx.dir().resolve("lora").resolve(file), modules, manager);
    }

    @Test
    void allFourLayoutsGiveTheSameDelta() {
        var info = fx.referenceInfo("lora");
        int nTargets = info.path("targets").size();
        try (LoraAdapter ref = load("lora_lightx2v.safetensors")) {
            assertEquals(LoraFormat.LIGHTX2V, ref.format());
            assertEquals(info.path("alpha").floatValue() / info.path("rank").floatValue(),
                    ref.targets().values().iterator().next().scale());
            assertTrue(ref.targets().size() >= nTargets, ref.toString());
            for (String f : List.of("lora_diffusion_model_prefix.safetensors", "lora_kohya.safetensors",
                    "lora_peft_diffusers.safetensors")) {
                try (LoraAdapter other = load(f); NDManager m = manager.newSubManager()) {
                    assertEquals(ref.targets().keySet(), other.targets().keySet(), f);
                    assertEquals(List.of(), other.unmatched(), f);
                    for (String module : ref.targets().keySet()) {
                        NDArray a = ref.delta(module, 1f, m);
                        NDArray b = other.delta(module, 1f, m);
                        float diff = a.sub(b).abs().max().getFloat();
                        assertTrue(diff <= 1e-6f * Math.max(1f, a.abs().max().getFloat()), f + " " + module + ": " + diff);
                    }
                }
            }
        }
    }

    /** Every Linear of the base transformer, bound through Weights (which records them by module name). */
    private Map<String, Linear> linears(NDManager m) {
        return linears(base, m);
    }

    private Map<String, Linear> linears(WeightStore store, NDManager m) {
        Weights w = new Weights(store, m, DataType.FLOAT32);
        for (var e : modules.entrySet()) {
            Weights s = w.pp(e.getKey());
            Linear.load(s, e.getValue()[1], e.getValue()[0], s.contains("bias"));
        }
        return w.modules();
    }

    @Test
    void attachMatchesMergeAndBothUndo() {
        try (LoraAdapter lora = load("lora_kohya.safetensors"); NDManager m = manager.newSubManager()) {
            Map<String, Linear> linears = linears(m);
            String module = "transformer_blocks.0.attn.to_q";
            Linear l = linears.get(module);
            NDArray x = m.randomNormal(new Shape(3, 5, l.inFeatures()));
            NDArray base0 = l.forward(x);
            NDArray w0 = l.weight().duplicate();

            LoraAdapter.Applied attached = lora.attach(linears, 0.5f, m);
            NDArray viaAdapter = l.forward(x);
            attached.remove();
            assertEquals(0f, l.forward(x).sub(base0).abs().max().getFloat(), "detach restores exactly");

            LoraAdapter.Applied merged = lora.merge(linears, 0.5f);
            NDArray expectedW = w0.add(lora.delta(module, 0.5f, m));
            assertEquals(0f, l.weight().sub(expectedW).abs().max().getFloat(), "merge is W + s*delta");
            NDArray viaMerge = l.forward(x);
            float d = viaAdapter.sub(viaMerge).abs().max().getFloat();
            assertTrue(d < 1e-5f, "runtime vs merged: " + d);
            assertTrue(viaMerge.sub(base0).abs().max().getFloat() > 1e-3f, "the LoRA changes the output");
            merged.remove();
            assertTrue(l.weight().sub(w0).abs().max().getFloat() < 1e-6f, "unmerge restores within rounding");
        }
    }

    @Test
    void fp8BaseTakesTheLoraInFloatNeverRequantised() {
        Path fp8 = fx.dir().resolve("comfy/qwen_image_edit_2511_tiny_fp8_scaled.safetensors");
        try (LoraAdapter lora = load("lora_lightx2v.safetensors");
             WeightStore store = KeyMapper.view(WeightStores.open(fp8), KeyMapper.Component.TRANSFORMER);
             NDManager m = manager.newSubManager()) {
            String module = "transformer_blocks.1.img_mlp.net.2";
            var q = ((dev.atelier.inference.io.QuantizedSource) store).quantized(module + ".weight").orElseThrow();
            Map<String, Linear> linears = linears(store, m);
            Linear l = linears.get(module);
            NDArray dequant = m.create(q.dequantize(), new Shape(q.shape()));
            LoraAdapter.Applied merged = lora.merge(linears, 1f);
            assertEquals(DataType.FLOAT32, l.weight().getDataType());
            NDArray expected = dequant.add(lora.delta(module, 1f, m));
            assertEquals(0f, l.weight().sub(expected).abs().max().getFloat(), "fp8 * scale + delta, in float32");
            merged.remove();
        }
    }

    @Test
    void weightsKeyMapHookReadsAnotherLayout() {
        Path wan = fx.dir().resolve("comfy/qwen_image_vae_tiny_bf16.safetensors");
        try (WeightStore store = WeightStores.open(wan); NDManager m = manager.newSubManager()) {
            KeyMapper.Bound b = KeyMapper.of(KeyMapper.Component.VAE).bind(store.tensors().keySet());
            Weights w = new Weights(store, m, DataType.FLOAT32).withKeyMap(b.keyMap());
            NDArray viaHook = w.pp("decoder").pp("up_blocks").pp(1).pp("resnets").pp(0).get("conv_shortcut.weight",
                    -1, -1, -1, -1, -1);
            NDArray direct = store.load("decoder.upsamples.4.shortcut.weight", m, DataType.FLOAT32);
            assertEquals(0f, viaHook.sub(direct).abs().max().getFloat());
        }
    }

    private Path writeSafetensors(String name, Map<String, long[]> shapes) throws Exception {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(e.getValue()).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(off).append(',').append(off + 4 * n).append("]}");
            off += 4 * n;
        }
        byte[] hb = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void loraForAnotherModelIsRefusedByName() throws Exception {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("double_blocks.0.img_attn.qkv.lora_down.weight", new long[] {4, 32});
        s.put("double_blocks.0.img_attn.qkv.lora_up.weight", new long[] {96, 4});
        Path p = writeSafetensors("flux_lora.safetensors", s);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> LoraLoader.load(p, modules, manager));
        assertTrue(e.getMessage().contains("matches no layer") && e.getMessage().contains("double_blocks.0.img_attn.qkv")
                && e.getMessage().contains("flux_lora.safetensors"), e.getMessage());
    }

    @Test
    void partialMatchListsTheRest() throws Exception {
        Map<String, long[]> s = new LinkedHashMap<>();
        long[] q = modules.get("transformer_blocks.0.attn.to_q");
        s.put("transformer_blocks.0.attn.to_q.lora_down.weight", new long[] {2, q[1]});
        s.put("transformer_blocks.0.attn.to_q.lora_up.weight", new long[] {q[0], 2});
        s.put("transformer_blocks.7.attn.to_q.lora_down.weight", new long[] {2, q[1]});
        s.put("transformer_blocks.7.attn.to_q.lora_up.weight", new long[] {q[0], 2});
        s.put("transformer_blocks.0.attn.to_q.diff_b", new long[] {q[0]});
        try (LoraAdapter a = LoraLoader.load(writeSafetensors("partial.safetensors", s), modules, manager)) {
            assertEquals(Set.of("transformer_blocks.0.attn.to_q"), a.targets().keySet());
            assertEquals(2, a.unmatched().size(), a.unmatched().toString());
            assertTrue(a.unmatched().contains("transformer_blocks.7.attn.to_q"), a.unmatched().toString());
            assertTrue(a.warning().contains("transformer_blocks.7.attn.to_q") && a.warning().contains("diff_b"),
                    a.warning());
            assertEquals(1f, a.targets().get("transformer_blocks.0.attn.to_q").scale(), "no alpha: scale 1");
        }
    }

    @Test
    void wrongSizeIsRefused() throws Exception {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("transformer_blocks.0.attn.to_q.lora_down.weight", new long[] {2, 3072});
        s.put("transformer_blocks.0.attn.to_q.lora_up.weight", new long[] {3072, 2});
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> LoraLoader.load(writeSafetensors("big.safetensors", s), modules, manager));
        assertTrue(e.getMessage().contains("another size"), e.getMessage());
    }

    @Test
    void picklesAreNeverUnpickled() throws Exception {
        Path pt = tmp.resolve("lightning.pt");
        Files.write(pt, new byte[] {(byte) 0x80, 0x02, 'c'});
        assertThrows(WeightFormatException.class, () -> LoraLoader.load(pt, modules, manager));
        Path disguised = tmp.resolve("lightning.safetensors");
        Files.write(disguised, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0});
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> LoraLoader.load(disguised, modules, manager));
        assertTrue(e.getMessage().contains("not unpickled"), e.getMessage());
    }

    @Test
    void kohyaNamesComeFromTheBaseModel() {
        Map<String, String> k = LoraLoader.kohyaNames(Set.of("a.b_c", "a_b.c", "img_mlp.net.0.proj"));
        assertEquals(null, k.get("a_b_c"));
        assertTrue(k.containsKey("a_b_c"), "ambiguous names are kept as refusals, not guesses");
        assertEquals("img_mlp.net.0.proj", k.get("img_mlp_net_0_proj"));
    }
}
