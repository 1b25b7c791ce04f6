package dev.atelier.inference.io;

import java.util.Optional;

/**
 * A {@link WeightStore} some of whose tensors are stored quantised (fp8 + scale, GGUF blocks). The GPU runtime asks
 * for the {@link QuantizedTensor} of a Linear's weight to keep it in its stored form; everything else goes through
 * {@link WeightStore#load}, which dequantises.
 */
public interface QuantizedSource {
    /** The quantised form of {@code name}, or empty when it is stored as a plain float/int tensor. */
    Optional<QuantizedTensor> quantized(String name);
}
