package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Test store: another store's tensors under renamed keys, optionally rounded to bf16 (as ComfyUI's file holds them). */
final class MappedStore implements WeightStore {
    private final WeightStore inner;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, String> innerName = new LinkedHashMap<>();
    private final boolean roundToBf16;

    MappedStore(WeightStore inner, UnaryOperator<String> rename, boolean roundToBf16) {
        this.inner = inner;
        this.roundToBf16 = roundToBf16;
        for (TensorInfo t : inner.tensors().values()) {
            String k = rename.apply(t.name());
            if (k != null) {
                tensors.put(k, new TensorInfo(k, t.dtype(), t.shape(), t.byteSize(), t.file()));
                innerName.put(k, t.name());
            }
        }
    }

    @Override
    public Path source() {
        return inner.source();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return inner.metadata();
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        NDArray a = inner.load(innerName.get(name), manager, floatType);
        if (!roundToBf16 || a.getDataType() != DataType.FLOAT32) {
            return a;
        }
        float[] v = a.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToRawIntBits(v[i]);
            bits += 0x7FFF + ((bits >>> 16) & 1); // round to nearest even on the upper 16 bits
            v[i] = Float.intBitsToFloat(bits & 0xFFFF0000);
        }
        NDArray r = manager.create(v, a.getShape());
        a.close();
        return r;
    }

    @Override
    public void close() {}
}
