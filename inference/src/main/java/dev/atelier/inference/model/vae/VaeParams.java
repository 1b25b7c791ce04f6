package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.nn.Weights;

/**
 * Where the VAE's parameters come from: a checkpoint ({@link #of(Weights)}) or random values created on the target
 * device for benchmarks ({@link #random}). Keys and shapes are diffusers' ({@code encoder.down_blocks.0.conv1.weight}).
 */
public interface VaeParams {
    /** A child scope {@code prefix + name + "."}. */
    VaeParams pp(String name);

    default VaeParams pp(int index) {
        return pp(Integer.toString(index));
    }

    /** Loads (or creates) {@code name} in this scope with the given shape (checked against the checkpoint). */
    NDArray get(String name, long... shape);

    NDManager manager();

    DataType dtype();

    static VaeParams of(Weights w) {
        return new VaeParams() {
            @Override
            public VaeParams pp(String name) {
                return of(w.pp(name));
            }

            @Override
            public NDArray get(String name, long... shape) {
                return w.get(name, shape);
            }

            @Override
            public NDManager manager() {
                return w.manager();
            }

            @Override
            public DataType dtype() {
                return w.dtype();
            }
        };
    }

    /**
     * Random parameters with the checkpoint's shapes: {@code gamma} = 1, biases N(0, 0.02²), other weights
     * N(0, 1/fan_in) (fan_in = product of all but the first dimension), made on {@code manager}'s device.
     */
    static VaeParams random(NDManager manager, DataType dtype, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        return new RandomParams(manager, dtype, "");
    }

    /** See {@link VaeParams#random}. */
    final class RandomParams implements VaeParams {
        private final NDManager manager;
        private final DataType dtype;
        private final String prefix;

        RandomParams(NDManager manager, DataType dtype, String prefix) {
            this.manager = manager;
            this.dtype = dtype;
            this.prefix = prefix;
        }

        @Override
        public VaeParams pp(String name) {
            return new RandomParams(manager, dtype, prefix + name + ".");
        }

        @Override
        public NDArray get(String name, long... shape) {
            NDArray a;
            if (name.endsWith("gamma")) {
                a = manager.ones(new Shape(shape), DataType.FLOAT32);
            } else {
                long fanIn = 1;
                for (int i = 1; i < shape.length; i++) {
                    fanIn *= shape[i];
                }
                float std = name.endsWith("bias") ? 0.02f : (float) (1.0 / Math.sqrt(fanIn));
                a = manager.randomNormal(0f, std, new Shape(shape), DataType.FLOAT32);
            }
            if (dtype != DataType.FLOAT32) {
                NDArray c = a.toType(dtype, false);
                a.close();
                a = c;
            }
            a.setName(prefix + name);
            return a;
        }

        @Override
        public NDManager manager() {
            return manager;
        }

        @Override
        public DataType dtype() {
            return dtype;
        }
    }
}
