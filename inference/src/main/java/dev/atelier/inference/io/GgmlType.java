package dev.atelier.inference.io;

import java.util.Locale;

/**
 * ggml tensor types as GGUF numbers them ({@code enum ggml_type} in ggml.h). Every value ggml defines is listed so an
 * unsupported one can be named in the error; {@link #dequantizable()} says which ones {@link GgmlDequant} decodes.
 *
 * @param blockSize  elements per block (1 for plain types)
 * @param typeSize   bytes per block
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20),
    Q5_0(6, 32, 22), Q5_1(7, 32, 24), Q8_0(8, 32, 34), Q8_1(9, 32, 36),
    Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144), Q5_K(13, 256, 176), Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74), IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110), IQ2_S(22, 256, 82), IQ4_XS(23, 256, 136),
    I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8), IQ1_M(29, 256, 56),
    BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66);

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    public int id() {
        return id;
    }

    public int blockSize() {
        return blockSize;
    }

    public int typeSize() {
        return typeSize;
    }

    /** Block-quantised (not a plain element type). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Whether {@link GgmlDequant} turns this type into float32. */
    public boolean dequantizable() {
        return switch (this) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Bytes of {@code numel} elements, or -1 when {@code rowLength} is not a whole number of blocks. */
    public long byteSize(long numel, long rowLength) {
        if (rowLength % blockSize != 0) {
            return -1;
        }
        return Math.multiplyExact(numel / blockSize, (long) typeSize);
    }

    /** The type with GGUF number {@code id}, or {@code null}. */
    public static GgmlType byId(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    public static String supportedList() {
        StringBuilder b = new StringBuilder();
        for (GgmlType t : values()) {
            if (t.dequantizable()) {
                b.append(b.isEmpty() ? "" : ", ").append(t.name().toUpperCase(Locale.ROOT));
            }
        }
        return b.toString();
    }
}
