package dev.atelier.inference.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a weight file says about one tensor, before any data is read.
 *
 * @param name     the tensor's key in the file
 * @param dtype    storage type as the format names it (e.g. {@code BF16}, {@code F8_E4M3}, {@code Q4_K})
 * @param shape    logical shape (torch order)
 * @param byteSize bytes the tensor occupies in the file
 * @param file     the file that holds it
 */
public record TensorInfo(String name, String dtype, long[] shape, long byteSize, Path file) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape) && byteSize == t.byteSize && file.equals(t.file);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeString();
    }
}
