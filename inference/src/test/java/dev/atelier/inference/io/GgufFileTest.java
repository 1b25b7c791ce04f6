package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.parity.FixtureSupport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF container and dequantisation. Types present in the fixture are checked against its float32 references
 * ({@link GgufDequantCheck}); the other types against blocks built here with random bytes, whose expected values
 * are computed element by element from the ggml block layouts (an indexing scheme independent of the
 * row-loop structure of {@link GgmlDequant}).
 */
class GgufFileTest {
    @TempDir
    Path tmp;

    private final Random rnd = new Random(1234);

    @Test
    void fixtureDequantisationIsExact() throws Exception {
        var results = FixtureSupport.assertParity(new GgufDequantCheck());
        assertTrue(results.size() >= 12, "expected every model./random. reference plus stats, got " + results.size());
    }

    @Test
    void fixtureModelHeader() {
        try (GgufFile f = GgufFile.open(FixtureSupport.dir().resolve("gguf/qwen_image_edit_2511_tiny-mixed.gguf"))) {
            assertEquals(3, f.version());
            assertEquals("qwen_image", f.architecture());
            TensorInfo t = f.info("img_in.weight");
            assertEquals("Q8_0", t.dtype());
            assertEquals(2, t.shape().length);
            assertTrue(f.quantized("img_in.weight").isPresent());
            assertTrue(f.quantized("img_in.bias").isEmpty());
        }
    }

    /** Random bytes with the fp16 fields at {@code halfOffsets} (per block) set to scales in [1e-3, 5e-2]. */
    private byte[] blocks(int nBlocks, int blockBytes, int... halfOffsets) {
        byte[] b = new byte[nBlocks * blockBytes];
        rnd.nextBytes(b);
        for (int k = 0; k < nBlocks; k++) {
            for (int o : halfOffsets) {
                short h = Float.floatToFloat16(1e-3f + rnd.nextFloat() * 4.9e-2f);
                b[k * blockBytes + o] = (byte) h;
                b[k * blockBytes + o + 1] = (byte) (h >> 8);
            }
        }
        return b;
    }

    private static float h(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xFF) | (b[o + 1] << 8)));
    }

    private static int u(byte[] b, int o) {
        return b[o] & 0xFF;
    }

    private static int u32(byte[] b, int o) {
        return ByteBuffer.wrap(b, o, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static int nib(byte[] b, int o, boolean high) {
        return high ? u(b, o) >> 4 : u(b, o) & 0xF;
    }

    /** Element i of a 32-block at offset o. */
    static float q4_1(byte[] b, int o, int i) {
        return nib(b, o + 4 + i % 16, i >= 16) * h(b, o) + h(b, o + 2);
    }

    static float q5_0(byte[] b, int o, int i) {
        int hb = (u32(b, o + 2) >>> i) & 1;
        return ((nib(b, o + 6 + i % 16, i >= 16) | (hb << 4)) - 16) * h(b, o);
    }

    static float q5_1(byte[] b, int o, int i) {
        int hb = (u32(b, o + 4) >>> i) & 1;
        return (nib(b, o + 8 + i % 16, i >= 16) | (hb << 4)) * h(b, o) + h(b, o + 2);
    }

    /** Element i of a 256-block at offset o. */
    static float q2_k(byte[] b, int o, int i) {
        int n = i / 128;
        int j = (i % 128) / 32;
        int l32 = i % 32;
        int sc = u(b, o + n * 8 + j * 2 + l32 / 16);
        int q = (u(b, o + 16 + n * 32 + l32) >> (2 * j)) & 3;
        return h(b, o + 80) * (sc & 0xF) * q - h(b, o + 82) * (sc >> 4);
    }

    static float q3_k(byte[] b, int o, int i) {
        int n = i / 128;
        int j = (i % 128) / 32;
        int l32 = i % 32;
        int is = n * 8 + j * 2 + l32 / 16;
        int low = is < 8 ? u(b, o + 96 + is) & 0xF : u(b, o + 96 + is - 8) >> 4;
        int high = (u(b, o + 96 + 8 + is % 4) >> (2 * (is / 4))) & 3;
        int sc = (low | (high << 4)) - 32;
        int q = (u(b, o + 32 + n * 32 + l32) >> (2 * j)) & 3;
        boolean hbit = (u(b, o + l32) & (1 << (n * 4 + j))) != 0;
        return h(b, o + 108) * sc * (q - (hbit ? 0 : 4));
    }

    private static int[] scaleMin(byte[] b, int o, int j) {
        if (j < 4) {
            return new int[] {u(b, o + j) & 63, u(b, o + j + 4) & 63};
        }
        return new int[] {(u(b, o + j + 4) & 0xF) | ((u(b, o + j - 4) >> 6) << 4),
            (u(b, o + j + 4) >> 4) | ((u(b, o + j) >> 6) << 4)};
    }

    static float q5_k(byte[] b, int o, int i) {
        int c = i / 64;
        int hi = (i % 64) / 32;
        int l = i % 32;
        int[] sm = scaleMin(b, o + 4, 2 * c + hi);
        int q = nib(b, o + 48 + c * 32 + l, hi == 1) + 16 * ((u(b, o + 16 + l) >> (2 * c + hi)) & 1);
        return h(b, o) * sm[0] * q - h(b, o + 2) * sm[1];
    }

    static float q6_k(byte[] b, int o, int i) {
        int n = i / 128;
        int quarter = (i % 128) / 32;
        int l = i % 32;
        int low = nib(b, o + 64 * n + l + (quarter & 1) * 32, quarter >= 2);
        int high = (u(b, o + 128 + 32 * n + l) >> (2 * quarter)) & 3;
        int q = (low | (high << 4)) - 32;
        int sc = b[o + 192 + 8 * n + l / 16 + 2 * quarter];
        return h(b, o + 208) * sc * q;
    }

    record Case(GgmlType type, int[] halfs, BiFunction<byte[], Integer, Float> element) {}

    @Test
    void typesWithoutFixtureDataMatchHandBuiltBlocks() throws Exception {
        List<Case> cases = List.of(
                new Case(GgmlType.Q4_1, new int[] {0, 2}, (b, i) -> q4_1(b, (i / 32) * 20, i % 32)),
                new Case(GgmlType.Q5_0, new int[] {0}, (b, i) -> q5_0(b, (i / 32) * 22, i % 32)),
                new Case(GgmlType.Q5_1, new int[] {0, 2}, (b, i) -> q5_1(b, (i / 32) * 24, i % 32)),
                new Case(GgmlType.Q2_K, new int[] {80, 82}, (b, i) -> q2_k(b, (i / 256) * 84, i % 256)),
                new Case(GgmlType.Q3_K, new int[] {108}, (b, i) -> q3_k(b, (i / 256) * 110, i % 256)),
                new Case(GgmlType.Q5_K, new int[] {0, 2}, (b, i) -> q5_k(b, (i / 256) * 176, i % 256)),
                new Case(GgmlType.Q6_K, new int[] {208}, (b, i) -> q6_k(b, (i / 256) * 210, i % 256)));
        GgufWriter w = new GgufWriter().kvString("general.architecture", "qwen_image");
        byte[][] data = new byte[cases.size()][];
        for (int c = 0; c < cases.size(); c++) {
            GgmlType t = cases.get(c).type;
            int rows = 3;
            int cols = t.blockSize() * 2;
            data[c] = blocks(rows * 2, t.typeSize(), cases.get(c).halfs);
            w.tensor("w." + t.name().toLowerCase(), t.id(), data[c], cols, rows);
        }
        try (GgufFile f = GgufFile.open(w.write(tmp, "hand.gguf"));
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int c = 0; c < cases.size(); c++) {
                Case k = cases.get(c);
                String name = "w." + k.type.name().toLowerCase();
                assertArrayEquals(new long[] {3, k.type.blockSize() * 2L}, f.info(name).shape(), name);
                float[] actual = f.load(name, m, DataType.FLOAT32).toFloatArray();
                float[] expected = new float[actual.length];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = k.element.apply(data[c], i);
                }
                assertArrayEquals(expected, actual, 0f, name + " differs from the ggml formula");
            }
        }
    }

    @Test
    void parallelChunksEqualTheSequentialDecode() {
        for (GgmlType t : List.of(GgmlType.Q6_K, GgmlType.Q8_0)) {
            int blocks = (1 << 21) / t.blockSize() + 37;
            byte[] b = blocks(blocks, t.typeSize(), t == GgmlType.Q6_K ? new int[] {208} : new int[] {0});
            var seg = java.lang.foreign.MemorySegment.ofArray(b);
            int n = blocks * t.blockSize();
            float[] par = new float[n];
            float[] seq = new float[n];
            GgmlDequant.dequantize(t, seg, par, n);
            GgmlDequant.dequantize(t, seg, seq, 0, n);
            assertArrayEquals(seq, par, 0f, t.name());
        }
    }

    @Test
    void metadataOfEveryValueTypeAndOrigShape() throws Exception {
        ByteArrayOutputStream arr = new ByteArrayOutputStream();
        GgufWriter.i32(arr, 8);
        GgufWriter.i64(arr, 2);
        GgufWriter.str(arr, "a");
        GgufWriter.str(arr, "bc");
        GgufWriter w = new GgufWriter()
                .kvRaw("u8", 0, new byte[] {(byte) 200})
                .kvRaw("i8", 1, new byte[] {(byte) -3})
                .kvRaw("u16", 2, new byte[] {(byte) 0xFF, (byte) 0xFF})
                .kvRaw("i16", 3, new byte[] {(byte) 0xFE, (byte) 0xFF})
                .kvU32("general.alignment", 64)
                .kvRaw("i32", 5, le(4, -7))
                .kvRaw("f32", 6, le(4, Float.floatToIntBits(1.5f)))
                .kvRaw("bool", 7, new byte[] {1})
                .kvString("general.architecture", "qwen_image")
                .kvRaw("strs", 9, arr.toByteArray())
                .kvRaw("u64", 10, le(8, 1L << 40))
                .kvRaw("i64", 11, le(8, -5))
                .kvRaw("f64", 12, le(8, Double.doubleToLongBits(0.25)))
                .kvI32Array("comfy.gguf.orig_shape.conv.weight", 2, 3, 1, 1, 4);
        w.alignment = 64;
        byte[] f32 = new byte[24 * 4];
        ByteBuffer.wrap(f32).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(new float[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24});
        w.tensor("bias", 0, new byte[] {0, 0, (byte) 0x80, 0x3F}, 1);
        w.tensor("conv.weight", 0, f32, 12, 2);
        try (GgufFile f = GgufFile.open(w.write(tmp, "kv.gguf"));
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            var kv = f.keyValues();
            assertEquals(200L, kv.get("u8"));
            assertEquals(-3L, kv.get("i8"));
            assertEquals(65535L, kv.get("u16"));
            assertEquals(-2L, kv.get("i16"));
            assertEquals(-7L, kv.get("i32"));
            assertEquals(1.5, kv.get("f32"));
            assertEquals(true, kv.get("bool"));
            assertEquals(List.of("a", "bc"), kv.get("strs"));
            assertEquals(1L << 40, kv.get("u64"));
            assertEquals(-5L, kv.get("i64"));
            assertEquals(0.25, kv.get("f64"));
            assertEquals("[a, bc]", f.metadata().get("strs"));
            assertArrayEquals(new long[] {2, 3, 1, 1, 4}, f.info("conv.weight").shape());
            assertArrayEquals(new long[] {1}, f.info("bias").shape());
            assertEquals(24f, f.load("conv.weight", m, DataType.FLOAT32).toFloatArray()[23]);
            assertEquals(1f, f.load("bias", m, DataType.FLOAT32).getFloat(0));
        }
    }

    private static byte[] le(int n, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] out = new byte[n];
        System.arraycopy(b.array(), 0, out, 0, n);
        return out;
    }

    private void assertRefused(GgufWriter w, String... fragments) throws Exception {
        Path p = w.write(tmp, "bad" + rnd.nextInt(1_000_000) + ".gguf");
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> GgufFile.open(p).close());
        for (String s : fragments) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks '" + s + "'");
        }
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void badFilesAreNamedErrors() throws Exception {
        assertRefused(new GgufWriter().tensor("x", 99, new byte[32], 8), "'x'", "unknown ggml type 99");
        assertRefused(new GgufWriter().tensor("q", GgmlType.Q8_0.id(), new byte[34], 16), "'q'", "multiple",
                "Q8_0");
        assertRefused(new GgufWriter().tensor("big", 0, new byte[16], 1024), "'big'", "run past");
        assertRefused(new GgufWriter().tensor("a", 0, new byte[64], 16).tensorAt("b", 0, new byte[64], 32, 16),
                "overlap");
        assertRefused(new GgufWriter().tensorAt("m", 0, new byte[64], 4, 1), "'m'", "aligned");
        GgufWriter v = new GgufWriter();
        v.version = 7;
        assertRefused(v, "version 7");
        byte[] good = new GgufWriter().kvString("general.architecture", "qwen_image").tensor("t", 0, new byte[64], 16)
                .bytes();
        Path trunc = tmp.resolve("trunc.gguf");
        java.nio.file.Files.write(trunc, java.util.Arrays.copyOf(good, 40));
        assertThrows(WeightFormatException.class, () -> GgufFile.open(trunc).close());
        // An unsupported (but known) type opens and names itself on load.
        Path iq = new GgufWriter().tensor("iq", GgmlType.IQ4_NL.id(), new byte[18], 32).write(tmp, "iq.gguf");
        try (GgufFile f = GgufFile.open(iq); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> f.load("iq", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("'iq'") && e.getMessage().contains("IQ4_NL"), e.getMessage());
        }
    }

    @Test
    void fuzzedHeadersOnlyThrowWeightFormatException() throws Exception {
        byte[] good = new GgufWriter().kvString("general.architecture", "qwen_image").kvI32Array("arr", 1, 2, 3)
                .tensor("t", GgmlType.Q8_0.id(), new byte[68], 32, 2).bytes();
        Random r = new Random(7);
        for (int k = 0; k < 300; k++) {
            byte[] b = good.clone();
            int flips = 1 + r.nextInt(4);
            for (int i = 0; i < flips; i++) {
                b[r.nextInt(Math.min(b.length, 160))] = (byte) r.nextInt(256);
            }
            Path p = tmp.resolve("fuzz.gguf");
            java.nio.file.Files.write(p, b);
            try (GgufFile f = GgufFile.open(p)) {
                f.tensors();
            } catch (WeightFormatException expected) {
                // fine
            }
        }
    }

    @Test
    void weightStoresOpensGgufAndSniffsDisguisedPickles() throws Exception {
        Path g = new GgufWriter().tensor("t", 0, new byte[4], 1).write(tmp, "model.bin.safetensors");
        try (WeightStore s = WeightStores.open(g)) {
            assertTrue(s instanceof GgufFile);
        }
        Path pickle = tmp.resolve("evil.safetensors");
        java.nio.file.Files.write(pickle, new byte[] {(byte) 0x80, 0x04, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0});
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightStores.open(pickle));
        assertTrue(e.getMessage().contains("pickle") && e.getMessage().contains("not unpickled"), e.getMessage());
        Path zip = tmp.resolve("evil2.safetensors");
        java.nio.file.Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
        assertThrows(WeightFormatException.class, () -> WeightStores.open(zip));
        assertThrows(WeightFormatException.class, () -> WeightStores.open(tmp.resolve("x.ckpt")));
    }
}
