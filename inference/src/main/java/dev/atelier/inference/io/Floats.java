package dev.atelier.inference.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Exact widening of the small float formats to float32. */
public final class Floats {
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float[] E4M3 = new float[256];
    private static final float[] E5M2 = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            E4M3[b] = e4m3(b);
            E5M2[b] = e5m2(b);
        }
    }

    private Floats() {}

    public static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 → bf16 bits with round-to-nearest-even (what torch's .to(bfloat16) does). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int lsb = (bits >>> 16) & 1;
        bits += 0x7FFF + lsb;
        return (short) (bits >>> 16);
    }

    /** float8_e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities; S.1111.111 is NaN. */
    public static float e4m3(int b) {
        int s = (b >> 7) & 1;
        int e = (b >> 3) & 0xF;
        int m = b & 7;
        float v;
        if (e == 0xF && m == 7) {
            v = Float.NaN;
        } else if (e == 0) {
            v = m / 8f * (float) Math.pow(2, -6);
        } else {
            v = (1 + m / 8f) * (float) Math.pow(2, e - 7);
        }
        return s == 1 ? -v : v;
    }

    /** float8_e5m2: 1 sign, 5 exponent (bias 15), 2 mantissa bits, IEEE-style infinities and NaNs. */
    public static float e5m2(int b) {
        int s = (b >> 7) & 1;
        int e = (b >> 2) & 0x1F;
        int m = b & 3;
        float v;
        if (e == 0x1F) {
            v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else if (e == 0) {
            v = m / 4f * (float) Math.pow(2, -14);
        } else {
            v = (1 + m / 4f) * (float) Math.pow(2, e - 15);
        }
        return s == 1 ? -v : v;
    }

    /** The 256-entry table for an fp8 type (index = the stored byte). */
    public static float[] fp8Table(DType t) {
        return switch (t) {
            case F8_E4M3 -> E4M3.clone();
            case F8_E5M2 -> E5M2.clone();
            default -> throw new IllegalArgumentException("not an fp8 type: " + t);
        };
    }

    /** Decodes {@code n} elements of a float type stored little-endian in {@code src} into float32. */
    public static float[] decode(DType t, MemorySegment src, int n) {
        float[] out = new float[n];
        switch (t) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, out, 0, n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) src.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = bf16(src.get(SHORT_LE, 2L * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(src.get(SHORT_LE, 2L * i));
                }
            }
            case F8_E4M3, F8_E5M2 -> {
                float[] lut = t == DType.F8_E4M3 ? E4M3 : E5M2;
                for (int i = 0; i < n; i++) {
                    out[i] = lut[src.get(ValueLayout.JAVA_BYTE, i) & 0xFF];
                }
            }
            default -> throw new IllegalArgumentException("not a float type: " + t);
        }
        return out;
    }
}
