package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.parity.FixtureSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static List<Path> fixtureFiles() throws IOException {
        try (Stream<Path> s = Files.walk(FixtureSupport.dir())) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void everyFixtureFileOpensAndEveryTensorLoads() throws IOException {
        List<Path> files = fixtureFiles();
        assertFalse(files.isEmpty());
        for (Path p : files) {
            try (SafetensorsFile f = SafetensorsFile.open(p); NDManager m = manager.newSubManager()) {
                for (TensorInfo t : f.tensors().values()) {
                    NDArray a = f.load(t.name(), m);
                    assertArrayEquals(t.shape(), a.getShape().getShape(), p + " " + t.name());
                    if (DType.parse(t.dtype()).isFloat()) {
                        assertEquals(DataType.FLOAT32, a.getDataType());
                    }
                }
            }
        }
    }

    /** The reference sidecars list every tensor's dtype and shape: the header must say the same. */
    @Test
    void referenceTensorsMatchTheirSidecars() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path ref = FixtureSupport.dir().resolve("reference");
        int checked = 0;
        try (Stream<Path> s = Files.list(ref)) {
            for (Path st : s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                Path side = ref.resolve(st.getFileName().toString().replace(".safetensors", ".json"));
                JsonNode tensors = json.readTree(side.toFile()).get("tensors");
                if (tensors == null) {
                    continue;
                }
                try (SafetensorsFile f = SafetensorsFile.open(st)) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        TensorInfo t = f.info(e.getKey());
                        assertEquals(torchName(e.getValue().get("dtype").asText()), t.dtype(), st + " " + e.getKey());
                        long[] shape = new long[e.getValue().get("shape").size()];
                        for (int i = 0; i < shape.length; i++) {
                            shape[i] = e.getValue().get("shape").get(i).asLong();
                        }
                        assertArrayEquals(shape, t.shape(), st + " " + e.getKey());
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 0);
    }

    private static String torchName(String torch) {
        return switch (torch) {
            case "float32" -> "F32";
            case "float64" -> "F64";
            case "float16" -> "F16";
            case "bfloat16" -> "BF16";
            case "int64" -> "I64";
            case "int32" -> "I32";
            case "uint8" -> "U8";
            case "bool" -> "BOOL";
            default -> torch.toUpperCase(Locale.ROOT);
        };
    }

    /** The ComfyUI bf16 file holds the same weights as the float32 diffusers folder, rounded to bf16. */
    @Test
    void bf16WidensExactly() {
        Path dir = FixtureSupport.dir();
        Path bf16 = dir.resolve("comfy/qwen_image_edit_2511_tiny_bf16.safetensors");
        Path f32 = dir.resolve("qwen-image-edit-2511-tiny/transformer/diffusion_pytorch_model.safetensors");
        try (SafetensorsFile b = SafetensorsFile.open(bf16); SafetensorsFile f = SafetensorsFile.open(f32);
             NDManager m = manager.newSubManager()) {
            int compared = 0;
            for (String name : f.tensors().keySet()) {
                if (!b.contains(name) || !"BF16".equals(b.info(name).dtype())) {
                    continue;
                }
                float[] wide = b.load(name, m).toFloatArray();
                float[] ref = f.load(name, m).toFloatArray();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(Floats.bf16(Floats.toBf16(ref[i])), wide[i], 0f, name + "[" + i + "]");
                }
                compared++;
            }
            assertTrue(compared > 10);
        }
    }

    @Test
    void fp8TablesFollowTheFormats() {
        assertEquals(448f, Floats.e4m3(0x7E));
        assertEquals(-448f, Floats.e4m3(0xFE));
        assertTrue(Float.isNaN(Floats.e4m3(0x7F)));
        assertEquals((float) Math.pow(2, -9), Floats.e4m3(0x01));
        assertEquals(1f, Floats.e4m3(0x38));
        assertEquals(57344f, Floats.e5m2(0x7B));
        assertEquals(Float.POSITIVE_INFINITY, Floats.e5m2(0x7C));
        assertEquals((float) Math.pow(2, -16), Floats.e5m2(0x01));
        assertEquals(1f, Floats.e5m2(0x3C));
    }

    @Test
    void metadataIsRead() {
        try (SafetensorsFile f = SafetensorsFile.open(FixtureSupport.dir().resolve("reference/vae.safetensors"))) {
            assertTrue(f.metadata().containsKey("info"));
        }
    }

    @Test
    void smallFileRoundTrip() throws IOException {
        Path p = SafetensorsBytes.write(tmp, "a.safetensors", SafetensorsBytes.file(
                "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                        + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]},"
                        + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[20,20]}}",
                SafetensorsBytes.floats(1, 2, 3, 4, 5)));
        try (SafetensorsFile f = SafetensorsFile.open(p); NDManager m = manager.newSubManager()) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, f.load("w", m).toFloatArray());
            assertEquals(5f, f.load("s", m).getFloat());
            assertEquals(0, f.load("e", m).size());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    // ---- malformed files: each gives a WeightFormatException naming the file and the problem ----

    private WeightFormatException refuse(byte[] bytes, String... expectedFragments) throws IOException {
        Path p = SafetensorsBytes.write(tmp, "bad.safetensors", bytes);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
        for (String frag : expectedFragments) {
            assertTrue(e.getMessage().contains(frag), "'" + frag + "' not in: " + e.getMessage());
        }
        return e;
    }

    private static final String ONE = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void emptyFile() throws IOException {
        refuse(new byte[0], "too short");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] good = SafetensorsBytes.file(ONE, SafetensorsBytes.floats(1, 2));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
        refuse(cut, "'w'", "outside");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        refuse(SafetensorsBytes.withHeaderLength(10_000, ONE, SafetensorsBytes.floats(1, 2)), "past the end");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        refuse(SafetensorsBytes.withHeaderLength(Long.MAX_VALUE, ONE, new byte[0]), "not plausible");
        refuse(SafetensorsBytes.withHeaderLength(-1, ONE, new byte[0]), "not plausible");
    }

    @Test
    void overlappingOffsets() throws IOException {
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", SafetensorsBytes.floats(1, 2, 3)), "overlap");
    }

    @Test
    void outOfRangeOffsets() throws IOException {
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                SafetensorsBytes.floats(1, 2)), "'a'", "outside");
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,0]}}",
                SafetensorsBytes.floats(1)), "'a'", "outside");
    }

    @Test
    void unknownDtype() throws IOException {
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                SafetensorsBytes.floats(1, 2)), "'a'", "unknown dtype");
    }

    @Test
    void shapeSizeMismatch() throws IOException {
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                SafetensorsBytes.floats(1, 2)), "'a'", "needs 12 bytes");
        refuse(SafetensorsBytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                + "\"data_offsets\":[0,8]}}", SafetensorsBytes.floats(1, 2)), "'a'", "overflows");
    }

    @Test
    void notJson() throws IOException {
        refuse(SafetensorsBytes.file("{\"a\": [1, 2", new byte[0]), "not valid JSON");
        refuse(SafetensorsBytes.file("[1, 2]", new byte[0]), "not a JSON object");
    }

    @Test
    void missingFile() {
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> SafetensorsFile.open(tmp.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors"));
    }

    @Test
    void picklesAreRefusedUnread() throws IOException {
        Path p = SafetensorsBytes.write(tmp, "model.ckpt", new byte[] {(byte) 0x80, 0x02});
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightStores.open(p));
        assertTrue(e.getMessage().contains("pickle"));
    }

    // ---- sharded ----

    @Test
    void shardedIndexJoinsShards() throws IOException {
        SafetensorsBytes.write(tmp, "m-00001-of-00002.safetensors", SafetensorsBytes.file(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", SafetensorsBytes.floats(1, 2)));
        SafetensorsBytes.write(tmp, "m-00002-of-00002.safetensors", SafetensorsBytes.file(
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", SafetensorsBytes.floats(3)));
        Files.writeString(tmp.resolve("m.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{"
                + "\"a\":\"m-00001-of-00002.safetensors\",\"b\":\"m-00002-of-00002.safetensors\"}}");
        try (WeightStore s = WeightStores.open(tmp); NDManager m = manager.newSubManager()) {
            assertEquals(List.of("a", "b"), new ArrayList<>(s.tensors().keySet()));
            assertEquals(3f, s.load("b", m, DataType.FLOAT32).getFloat());
            assertEquals(3, s.parameterCount());
        }
    }

    @Test
    void shardedIndexNamingAMissingShard() throws IOException {
        Files.writeString(tmp.resolve("m.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"m-00001-of-00002.safetensors\"}}");
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> WeightStores.open(tmp.resolve("m.safetensors.index.json")));
        assertTrue(e.getMessage().contains("m-00001-of-00002.safetensors"), e.getMessage());
    }
}
