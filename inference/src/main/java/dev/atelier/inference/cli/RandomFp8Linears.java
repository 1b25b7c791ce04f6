package dev.atelier.inference.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.DType;
import dev.atelier.inference.nn.Fp8Codec;
import dev.atelier.inference.nn.Fp8Linear;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.nn.Weights;

/**
 * Benchmarks only: every Linear becomes an {@link Fp8Linear} with random e4m3 bytes made on the device (codes with
 * exponent ≤ 7 and either sign, never NaN) and scale {@code 1/sqrt(in)}, as a real fp8 checkpoint would sit on the
 * GPU, without a 20 GB file. Biases are bf16 N(0, 0.02²).
 */
final class RandomFp8Linears implements Weights.LinearFactory, AutoCloseable {
    private final Fp8Codec codec;
    private int count;

    RandomFp8Linears(NDManager manager, DataType computeType, TorchOps ops) {
        this.codec = Fp8Codec.create(DType.F8_E4M3, computeType, manager, ops);
    }

    Fp8Codec codec() {
        return codec;
    }

    int count() {
        return count;
    }

    @Override
    public Linear create(Weights w, long in, long out, boolean withBias) {
        NDManager m = w.manager();
        NDArray codes;
        try (NDManager t = m.newSubManager()) {
            NDArray r = t.randomInteger(0, 128, new Shape(out, in), DataType.INT32);
            NDArray hi = r.gte(64).toType(DataType.INT32, false).mul(64);
            codes = r.add(hi).toType(DataType.UINT8, false);
            codes.attach(m);
        }
        NDScope.unregister(codes);
        NDArray bias = null;
        if (withBias) {
            bias = m.randomNormal(0f, 0.02f, new Shape(out), codec.computeType());
            NDScope.unregister(bias);
        }
        count++;
        Fp8Linear l = new Fp8Linear(codec, codec.store(codes), (float) (1.0 / Math.sqrt(in)), bias, out, in);
        return l;
    }

    @Override
    public void close() {
        codec.close();
    }
}
