package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Map;

/**
 * One table of name → tensor over any weight format (safetensors, sharded safetensors, GGUF, ...).
 * Model code binds weights by name through {@link dev.atelier.inference.nn.Weights} and never sees the format.
 */
public interface WeightStore extends AutoCloseable {
    /** The file or folder this store reads. */
    Path source();

    /** Every tensor, in file order. */
    Map<String, TensorInfo> tensors();

    /** Free-form metadata of the file(s) (safetensors {@code __metadata__}, GGUF key/values as strings). */
    Map<String, String> metadata();

    default boolean contains(String name) {
        return tensors().containsKey(name);
    }

    default TensorInfo info(String name) {
        TensorInfo t = tensors().get(name);
        if (t == null) {
            throw new WeightFormatException(source(), "no tensor named '" + name + "'");
        }
        return t;
    }

    /**
     * Loads a tensor into {@code manager}'s device. Floating-point data is converted to {@code floatType}
     * ({@code FLOAT32} on the CPU path: bf16, f16 and fp8 are widened exactly; quantised blocks are dequantised).
     * Integer and boolean tensors keep an integer type.
     */
    NDArray load(String name, NDManager manager, DataType floatType);

    /** Total number of elements over all tensors. */
    default long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors().values()) {
            n += t.numel();
        }
        return n;
    }

    /** Total bytes of tensor data as stored. */
    default long byteSize() {
        long n = 0;
        for (TensorInfo t : tensors().values()) {
            n += t.byteSize();
        }
        return n;
    }

    @Override
    void close();
}
