package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A view of a ComfyUI fp8 single file that hides the scale bookkeeping and dequantises behind {@link #load}.
 * Two layouts:
 * <ul>
 *   <li><b>scaled_fp8</b> (older): a top-level {@code scaled_fp8} marker (empty fp8 tensor), every quantised
 *       {@code <layer>.weight} fp8 with a 0-dim float32 {@code <layer>.scale_weight};</li>
 *   <li><b>mixed</b> (newer): quantised {@code <layer>.weight} fp8 with a 0-dim {@code <layer>.weight_scale} and
 *       {@code <layer>.comfy_quant} (uint8 bytes of JSON {@code {"format": "float8_e4m3fn"}}); other layers bf16.</li>
 * </ul>
 * The view lists the weights under their own names (scale tensors, the marker and {@code comfy_quant} are hidden)
 * and {@code load(name, m, FLOAT32)} returns {@code fp8(w).float() * scale} exactly as ComfyUI's references compute it.
 * Other float types are dequantised in float32 first, then converted, never the other way round. The raw fp8
 * bytes + scale stay available through {@link #quantized} for a GPU Linear that keeps 8 bits and dequantises per
 * layer into bf16.
 *
 * <p>fp8 weights without a scale are refused by {@link #wrapIfQuantized} (a scaled file missing a scale is corrupt;
 * a plain fp8 cast needs {@link #wrap(SafetensorsFile, boolean) wrap(file, true)} to be read with scale 1).
 */
// Layouts as read in Comfy-Org/ComfyUI comfy/ops.py (scaled_fp8 / mixed precision ops) and comfy/model_detection.py.
public final class Fp8ScaledStore implements WeightStore, QuantizedSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which fp8 layout the file uses. */
    public enum Layout { SCALED_FP8, MIXED, UNSCALED }

    private final SafetensorsFile file;
    private final Layout layout;
    private final Map<String, TensorInfo> visible;
    private final Map<String, Float> scales;

    private Fp8ScaledStore(SafetensorsFile file, Layout layout, Map<String, TensorInfo> visible, Map<String, Float> scales) {
        this.file = file;
        this.layout = layout;
        this.visible = Collections.unmodifiableMap(visible);
        this.scales = scales;
    }

    /** Returns {@code file} itself when it holds no fp8 weights, else the fp8 view (unscaled fp8 is refused). */
    public static WeightStore wrapIfQuantized(SafetensorsFile file) {
        boolean any = file.tensors().values().stream().anyMatch(t -> isFp8(t) && t.numel() > 0)
                || file.contains("scaled_fp8");
        return any ? wrap(file, false) : file;
    }

    /** Like {@link #wrapIfQuantized} but reads unscaled fp8 with scale 1 (for inspection, never refuses). */
    public static WeightStore wrapIfQuantizedLenient(SafetensorsFile file) {
        boolean any = file.tensors().values().stream().anyMatch(t -> isFp8(t) && t.numel() > 0)
                || file.contains("scaled_fp8");
        return any ? wrap(file, true) : file;
    }

    /**
     * The fp8 view of {@code file}. With {@code allowUnscaled}, fp8 weights that have no scale tensor are read with
     * scale 1 (a plain cast); without it they are an error naming the first such tensor.
     */
    public static Fp8ScaledStore wrap(SafetensorsFile file, boolean allowUnscaled) {
        Path p = file.source();
        Map<String, TensorInfo> all = file.tensors();
        boolean marker = all.containsKey("scaled_fp8");
        Map<String, TensorInfo> visible = new LinkedHashMap<>();
        Map<String, Float> scales = new LinkedHashMap<>();
        Layout layout = marker ? Layout.SCALED_FP8 : Layout.UNSCALED;
        for (TensorInfo t : all.values()) {
            String n = t.name();
            if (n.equals("scaled_fp8") || n.endsWith(".scale_weight") || n.endsWith(".weight_scale")
                    || n.endsWith(".comfy_quant") || n.endsWith(".scale_input") || n.endsWith(".input_scale")) {
                continue;
            }
            visible.put(n, t);
            if (!isFp8(t) || t.numel() == 0) {
                continue;
            }
            String layer = n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : n;
            String scaleKey;
            if (all.containsKey(layer + ".scale_weight")) {
                scaleKey = layer + ".scale_weight";
            } else if (all.containsKey(layer + ".weight_scale")) {
                scaleKey = layer + ".weight_scale";
                layout = Layout.MIXED;
                checkComfyQuant(file, layer, t);
            } else if (allowUnscaled) {
                scales.put(n, 1f);
                continue;
            } else {
                throw new WeightFormatException(p, "tensor '" + n + "' is " + t.dtype() + " but has no scale ('"
                        + layer + ".scale_weight' or '" + layer + ".weight_scale'): fp8 weights without scales are "
                        + "refused; use the scaled fp8 or bf16 version of this model");
            }
            scales.put(n, readScale(file, scaleKey, n));
        }
        return new Fp8ScaledStore(file, layout, visible, scales);
    }

    private static boolean isFp8(TensorInfo t) {
        return t.dtype().equals(DType.F8_E4M3.name()) || t.dtype().equals(DType.F8_E5M2.name());
    }

    private static float readScale(SafetensorsFile f, String key, String weight) {
        TensorInfo s = f.info(key);
        DType dt = f.dtype(key);
        if (s.numel() != 1 || !dt.isFloat()) {
            throw new WeightFormatException(f.source(), "'" + key + "' (scale of '" + weight + "') is " + s.dtype() + " "
                    + s.shapeString() + "; only one float32 scale per tensor is supported");
        }
        return Floats.decode(dt, f.bytes(key), 1)[0];
    }

    private static void checkComfyQuant(SafetensorsFile f, String layer, TensorInfo w) {
        String key = layer + ".comfy_quant";
        if (!f.contains(key)) {
            return;
        }
        String json = new String(f.bytes(key).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        String format;
        try {
            JsonNode n = JSON.readTree(json);
            format = n == null ? "" : n.path("format").asText("");
        } catch (IOException e) {
            throw new WeightFormatException(f.source(), "'" + key + "' is not JSON: " + json);
        }
        String expected = w.dtype().equals(DType.F8_E4M3.name()) ? "float8_e4m3fn" : "float8_e5m2";
        if (!format.equals(expected)) {
            throw new WeightFormatException(f.source(), "'" + key + "' says format '" + format + "' but '" + w.name()
                    + "' is stored as " + w.dtype() + "; only per-tensor " + expected + " is supported");
        }
    }

    public Layout layout() {
        return layout;
    }

    /** The underlying file (scale tensors and markers included). */
    public SafetensorsFile file() {
        return file;
    }

    /** Number of fp8 weights with their scale. */
    public int quantizedCount() {
        return scales.size();
    }

    @Override
    public Optional<QuantizedTensor> quantized(String name) {
        Float s = scales.get(name);
        if (s == null) {
            return Optional.empty();
        }
        TensorInfo t = visible.get(name);
        return Optional.of(new QuantizedTensor(name, file.dtype(name), null, t.shape(), file.bytes(name), s,
                file.source()));
    }

    @Override
    public Path source() {
        return file.source();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return visible;
    }

    @Override
    public Map<String, String> metadata() {
        return file.metadata();
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        if (!visible.containsKey(name)) {
            throw new WeightFormatException(source(), "no tensor named '" + name + "'");
        }
        Optional<QuantizedTensor> q = quantized(name);
        return q.isPresent() ? q.get().toNDArray(manager, floatType) : file.load(name, manager, floatType);
    }

    @Override
    public void close() {
        file.close();
    }
}
