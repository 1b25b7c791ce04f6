package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fp8 views of the fixture's ComfyUI files: hidden scale tensors, exact {@code fp8.float() * scale}. */
class Fp8ScaledStoreTest {
    @TempDir
    Path tmp;

    private final Path comfy = FixtureSupport.dir().resolve("comfy");
    private final Path diffusers = FixtureSupport.fixture().editModel().orElseThrow().resolve("transformer");

    private void checkAgainstDiffusers(String file, Fp8ScaledStore.Layout layout, int quantized) {
        try (WeightStore s = WeightStores.open(comfy.resolve(file));
             WeightStore ref = WeightStores.open(diffusers);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Fp8ScaledStore v = assertInstanceOf(Fp8ScaledStore.class, s);
            assertEquals(layout, v.layout());
            assertEquals(quantized, v.quantizedCount());
            for (String k : v.tensors().keySet()) {
                assertFalse(k.endsWith("scale_weight") || k.endsWith("weight_scale") || k.endsWith("comfy_quant")
                        || k.equals("scaled_fp8"), k);
            }
            for (String name : v.tensors().keySet()) {
                if (v.quantized(name).isEmpty()) {
                    continue;
                }
                QuantizedTensor q = v.quantized(name).orElseThrow();
                float[] raw = Floats.decode(DType.F8_E4M3, q.data(), (int) q.numel());
                float[] got = v.load(name, m, DataType.FLOAT32).toFloatArray();
                float[] w = ref.load(name, m, DataType.FLOAT32).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(raw[i] * q.scale(), got[i], 0f, name + "[" + i + "] is not fp8 * scale");
                    // e4m3 keeps 3 mantissa bits: the rounding error is at most 1/16 relative (plus subnormal steps).
                    float bound = Math.abs(w[i]) / 16f + q.scale() * 0x1p-9f;
                    assertTrue(Math.abs(got[i] - w[i]) <= bound * 1.0001f, name + "[" + i + "]: " + got[i] + " vs "
                            + w[i] + " (scale " + q.scale() + ")");
                }
            }
        }
    }

    @Test
    void scaledFp8() {
        checkAgainstDiffusers("qwen_image_edit_2511_tiny_fp8_scaled.safetensors", Fp8ScaledStore.Layout.SCALED_FP8, 28);
    }

    @Test
    void mixedPrecision() {
        checkAgainstDiffusers("qwen_image_edit_2511_tiny_fp8mixed.safetensors", Fp8ScaledStore.Layout.MIXED, 14);
    }

    @Test
    void fp8WithoutScalesIsRefusedByName() throws Exception {
        Path p = SafetensorsBytes.write(tmp, "noscale.safetensors", SafetensorsBytes.file(
                "{\"blk.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,4]}}", new byte[] {1, 2, 3, 4}));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightStores.open(p));
        assertTrue(e.getMessage().contains("'blk.weight'") && e.getMessage().contains("no scale"), e.getMessage());
        try (Fp8ScaledStore s = Fp8ScaledStore.wrap(SafetensorsFile.open(p), true)) {
            assertEquals(Fp8ScaledStore.Layout.UNSCALED, s.layout());
            assertEquals(1f, s.quantized("blk.weight").orElseThrow().scale());
        }
    }

    @Test
    void wrongComfyQuantFormatIsNamed() throws Exception {
        byte[] json = "{\"format\":\"nvfp4\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] data = new byte[4 + 4 + json.length];
        data[0] = 1;
        System.arraycopy(SafetensorsBytes.floats(0.5f), 0, data, 4, 4);
        System.arraycopy(json, 0, data, 8, json.length);
        Path p = SafetensorsBytes.write(tmp, "q.safetensors", SafetensorsBytes.file(
                "{\"l.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                        + "\"l.weight_scale\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]},"
                        + "\"l.comfy_quant\":{\"dtype\":\"U8\",\"shape\":[" + json.length + "],\"data_offsets\":[8,"
                        + (8 + json.length) + "]}}", data));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightStores.open(p));
        assertTrue(e.getMessage().contains("nvfp4") && e.getMessage().contains("l.comfy_quant"), e.getMessage());
    }
}
