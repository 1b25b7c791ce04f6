package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A weight kept in its stored low-bit form: the raw bytes (a view of the mapped file) plus what is needed to
 * dequantise them. This is the seam for the GPU path: a GPU Linear can upload {@link #data()} once as 8-bit (fp8)
 * or block bytes (GGUF) and dequantise per layer into bf16 just before the matmul, instead of holding the float
 * weight. The CPU path calls {@link #dequantize()} / {@link #toNDArray}.
 *
 * <p>Exactly one of {@code fp8} and {@code ggml} is set. For fp8 the value is {@code fp8(byte) * scale} computed in
 * float32 (ComfyUI's {@code weight.float() * scale_weight}); for GGUF the scales live inside the blocks and
 * {@code scale} is 1.
 *
 * @param name  the tensor's name as presented by its store (diffusers naming)
 * @param fp8   {@link DType#F8_E4M3} or {@link DType#F8_E5M2}, else {@code null}
 * @param ggml  the GGUF block type, else {@code null}
 * @param shape torch-order shape
 * @param data  raw stored bytes
 * @param scale per-tensor float32 scale (fp8), 1 for GGUF
 * @param file  the file it comes from (for errors)
 */
public record QuantizedTensor(String name, DType fp8, GgmlType ggml, long[] shape, MemorySegment data, float scale,
                              Path file) {
    public QuantizedTensor {
        if ((fp8 == null) == (ggml == null)) {
            throw new IllegalArgumentException("exactly one of fp8 and ggml must be set");
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The storage format's name: {@code F8_E4M3}, {@code Q4_K}, ... */
    public String format() {
        return fp8 != null ? fp8.name() : ggml.name();
    }

    /** Float32 values, exact: fp8 widened and multiplied by the scale; GGUF blocks as ggml dequantises them. */
    public float[] dequantize() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightFormatException(file, "tensor '" + name + "' has " + n
                    + " elements, more than one CPU array can hold; dequantise it per layer on the GPU path");
        }
        float[] out;
        if (fp8 != null) {
            out = Floats.decode(fp8, data, (int) n);
            if (scale != 1f) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = out[i] * scale;
                }
            }
        } else {
            out = new float[(int) n];
            GgmlDequant.dequantize(ggml, data, out, (int) n);
        }
        return out;
    }

    /** Dequantises into {@code manager} as float32, then converts to {@code floatType} if another type is asked. */
    public NDArray toNDArray(NDManager manager, DataType floatType) {
        NDArray f32 = Tensors.owned(manager.create(dequantize(), new Shape(shape)));
        if (floatType == null || floatType == DataType.FLOAT32) {
            return f32;
        }
        NDArray out = f32.toType(floatType, false);
        f32.close();
        return out;
    }

    @Override
    public String toString() {
        return name + " " + format() + " " + Arrays.toString(shape) + (fp8 != null ? " scale=" + scale : "");
    }
}
