package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * ComfyUI's fp8 text-encoder files ({@code qwen_2.5_vl_7b_fp8_scaled.safetensors}): a float8 {@code <layer>.weight}
 * with a float32 0-dim {@code <layer>.scale_weight} (older scaled-fp8 layout) or {@code <layer>.weight_scale} (newer
 * mixed layout) is served dequantized, {@code weight.float() * scale} in float32, then cast to the requested type.
 * Every other tensor passes through. (A shared io-level version can replace this once the transformer's fp8 support
 * lands.)
 */
// Dequantization as in ComfyUI comp/ops.py scaled fp8 Linear (weight.to(dtype) * scale_weight), done in float32.
final class ScaledFp8Store implements WeightStore {
    private final WeightStore inner;

    private ScaledFp8Store(WeightStore inner) {
        this.inner = inner;
    }

    /** The store itself when it holds no scaled fp8 weight. */
    static WeightStore wrapIfScaled(WeightStore store) {
        for (String k : store.tensors().keySet()) {
            if (k.endsWith(".scale_weight") || k.endsWith(".weight_scale")) {
                return new ScaledFp8Store(store);
            }
        }
        return store;
    }

    private String scaleOf(String name) {
        if (!name.endsWith(".weight")) {
            return null;
        }
        String layer = name.substring(0, name.length() - "weight".length());
        for (String s : new String[] {layer + "scale_weight", layer + "weight_scale"}) {
            if (inner.contains(s)) {
                return s;
            }
        }
        return null;
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        TensorInfo t = inner.info(name);
        String scale = t.dtype().toUpperCase(Locale.ROOT).startsWith("F8") ? scaleOf(name) : null;
        if (scale == null) {
            return inner.load(name, manager, floatType);
        }
        NDArray w = inner.load(name, manager, DataType.FLOAT32);
        NDArray s = inner.load(scale, manager, DataType.FLOAT32);
        NDArray deq = w.mul(s);
        w.close();
        s.close();
        if (floatType == DataType.FLOAT32) {
            return deq;
        }
        NDArray out = deq.toType(floatType, false);
        deq.close();
        return out;
    }

    @Override
    public Path source() {
        return inner.source();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return inner.tensors();
    }

    @Override
    public Map<String, String> metadata() {
        return inner.metadata();
    }

    @Override
    public void close() {
        inner.close();
    }
}
