package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Turns stored tensor bytes into DJL arrays. */
public final class Tensors {
    private Tensors() {}

    /**
     * Creates an NDArray from little-endian bytes of type {@code dtype}.
     *
     * <p>Float data becomes {@code floatType}. bf16 → {@code BFLOAT16} and f16 → {@code FLOAT16} are copied as
     * raw bytes (bf16 needs the patched JNI: see {@code runtime}); every other conversion widens exactly to
     * float32 in Java first. Integer data keeps its integer type (I16 widens to INT32).
     */
    public static NDArray fromBytes(MemorySegment src, DType dtype, long[] shapeArr, NDManager manager,
                                    DataType floatType, Path file, String name) {
        Shape shape = new Shape(shapeArr);
        long n = shape.size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightFormatException(file, "tensor '" + name + "' has " + n
                    + " elements, more than one CPU array can hold; load it on the GPU path");
        }
        if (n == 0) {
            DataType t = dtype.isFloat() ? (floatType == null ? DataType.FLOAT32 : floatType) : djlIntType(dtype);
            return manager.zeros(shape, t);
        }
        if (dtype.isFloat()) {
            DataType target = floatType == null ? DataType.FLOAT32 : floatType;
            if ((dtype == DType.BF16 && target == DataType.BFLOAT16) || (dtype == DType.F16 && target == DataType.FLOAT16)
                    || (dtype == DType.F32 && target == DataType.FLOAT32)) {
                return owned(manager.create(copy(src), shape, target));
            }
            NDArray f32 = owned(manager.create(Floats.decode(dtype, src, (int) n), shape));
            if (target == DataType.FLOAT32) {
                return f32;
            }
            NDArray out = f32.toType(target, false);
            f32.close();
            return out;
        }
        if (dtype == DType.I16) {
            int[] v = new int[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = src.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i);
            }
            return owned(manager.create(v, shape));
        }
        return owned(manager.create(copy(src), shape, djlIntType(dtype)));
    }

    /**
     * An array whose storage libtorch owns. {@code NDManager.create} wraps a Java direct buffer without copying; an
     * alias of such an array (a view, or {@code toType} to the same type, which torch answers with the same storage)
     * reads freed memory once the original is closed and its buffer collected. Weights are long-lived and get sliced,
     * cast and shared (LoRA adapters, streamed blocks), so every loaded tensor is cloned into torch's own memory once.
     */
    public static NDArray owned(NDArray javaBacked) {
        NDArray copy = javaBacked.duplicate();
        javaBacked.close();
        return copy;
    }

    private static DataType djlIntType(DType t) {
        return switch (t) {
            case I64 -> DataType.INT64;
            case I32, I16 -> DataType.INT32;
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    private static ByteBuffer copy(MemorySegment src) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(src.byteSize())).order(ByteOrder.nativeOrder());
        MemorySegment.ofBuffer(buf).copyFrom(src);
        return buf;
    }
}
