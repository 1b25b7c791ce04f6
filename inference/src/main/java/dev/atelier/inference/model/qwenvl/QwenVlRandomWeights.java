package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link WeightStore} of random weights with the shapes of a config, created on the manager's device (a GPU for
 * bf16: the stock CPU JNI has no bf16). Norm weights are 1, everything else N(0, 0.02) (transformers' init):
 * for benchmarks only.
 */
public final class QwenVlRandomWeights implements WeightStore {
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();

    public QwenVlRandomWeights(QwenVlConfig cfg) {
        Path none = Path.of("random-weights");
        for (Map.Entry<String, long[]> e : QwenVlTensors.shapes(cfg).entrySet()) {
            long n = 1;
            for (long s : e.getValue()) {
                n *= s;
            }
            tensors.put(e.getKey(), new TensorInfo(e.getKey(), "BF16", e.getValue(), 2 * n, none));
        }
    }

    @Override
    public Path source() {
        return Path.of("random-weights");
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        Shape shape = new Shape(info(name).shape());
        boolean norm = name.endsWith("norm.weight") || name.endsWith("norm1.weight") || name.endsWith("norm2.weight")
                || name.endsWith("ln_q.weight");
        NDArray f32 = norm ? manager.ones(shape, DataType.FLOAT32) : manager.randomNormal(0f, 0.02f, shape, DataType.FLOAT32);
        if (floatType == DataType.FLOAT32) {
            return f32;
        }
        NDArray out = f32.toType(floatType, false);
        f32.close();
        return out;
    }

    @Override
    public void close() {}
}
