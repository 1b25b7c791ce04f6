package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random weights for benchmarks: a name → shape table whose {@link #load} creates each tensor directly on the
 * target manager's device in the requested dtype (a 40 GB model never touches host memory). Matrices are
 * N(0, 1/fan_in), 1-D tensors named {@code *norm*} are ones, other 1-D tensors (biases) N(0, 0.02²).
 */
public final class RandomWeightStore implements WeightStore {
    private static final Path SOURCE = Path.of("random-weights");
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();

    public RandomWeightStore(Map<String, long[]> shapes) {
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            tensors.put(name, new TensorInfo(name, "BF16", shape, n * 2, SOURCE));
        });
    }

    @Override
    public Path source() {
        return SOURCE;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        long[] shape = info(name).shape();
        Shape s = new Shape(shape);
        if (shape.length == 1 && name.contains("norm")) {
            return manager.ones(s, floatType);
        }
        float std = shape.length >= 2 ? (float) (1.0 / Math.sqrt(shape[shape.length - 1])) : 0.02f;
        return manager.randomNormal(0f, std, s, floatType);
    }

    @Override
    public void close() {}
}
