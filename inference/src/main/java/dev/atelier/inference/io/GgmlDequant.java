package dev.atelier.inference.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dequantisation of ggml blocks to float32, one method per type, each following ggml's
 * {@code dequantize_row_*} (ggml/src/ggml-quants.c) operation by operation so the float32 results are bit-identical
 * (Java float arithmetic is IEEE single precision without fused multiply-add, like the reference's scalar path).
 */
// Ported from ggml ggml/src/ggml-quants.c (dequantize_row_q4_0 ... dequantize_row_q6_K), as vendored by
// leejet/stable-diffusion.cpp; cross-checked with city96/ComfyUI-GGUF dequant.py.
public final class GgmlDequant {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QK_K = 256;

    private GgmlDequant() {}

    /**
     * Decodes {@code n} elements of {@code type} stored in {@code src} (which holds exactly {@code n / blockSize}
     * blocks) into {@code dst[0..n)}. Large tensors are split into block-aligned chunks decoded in parallel
     * (each element's arithmetic is unchanged, so the result is identical).
     */
    public static void dequantize(GgmlType type, MemorySegment src, float[] dst, int n) {
        int chunkBlocks = Math.max(1, (1 << 20) / type.blockSize());
        int blocks = n / Math.max(1, type.blockSize());
        if (n < (1 << 21) || n % type.blockSize() != 0) {
            dequantize(type, src, dst, 0, n);
            return;
        }
        int chunks = (blocks + chunkBlocks - 1) / chunkBlocks;
        java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
            int b0 = c * chunkBlocks;
            int nb = Math.min(chunkBlocks, blocks - b0);
            dequantize(type, src.asSlice((long) b0 * type.typeSize(), (long) nb * type.typeSize()), dst,
                    b0 * type.blockSize(), nb * type.blockSize());
        });
    }

    /** Decodes {@code n} elements from the start of {@code src} into {@code dst[off..off+n)}. */
    static void dequantize(GgmlType type, MemorySegment src, float[] dst, int off, int n) {
        if (n % type.blockSize() != 0) {
            throw new IllegalArgumentException(n + " elements are not whole " + type + " blocks of " + type.blockSize());
        }
        int blocks = n / type.blockSize();
        switch (type) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, dst, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.float16ToFloat(src.get(SHORT_LE, 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Floats.bf16(src.get(SHORT_LE, 2L * i));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q8_0(src, (long) b * 34, dst, off + b * 32);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0(src, (long) b * 18, dst, off + b * 32);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_1(src, (long) b * 20, dst, off + b * 32);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q5_0(src, (long) b * 22, dst, off + b * 32);
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q5_1(src, (long) b * 24, dst, off + b * 32);
                }
            }
            case Q2_K -> {
                for (int b = 0; b < blocks; b++) {
                    q2_k(src, (long) b * 84, dst, off + b * QK_K);
                }
            }
            case Q3_K -> {
                for (int b = 0; b < blocks; b++) {
                    q3_k(src, (long) b * 110, dst, off + b * QK_K);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    q4_k(src, (long) b * 144, dst, off + b * QK_K);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++) {
                    q5_k(src, (long) b * 176, dst, off + b * QK_K);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    q6_k(src, (long) b * 210, dst, off + b * QK_K);
                }
            }
            default -> throw new UnsupportedOperationException("ggml type " + type + " cannot be dequantised (supported: "
                    + GgmlType.supportedList() + ")");
        }
    }

    private static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT_LE, off));
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    // block_q8_0 { ggml_half d; int8_t qs[32]; }
    private static void q8_0(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        for (int j = 0; j < 32; j++) {
            y[yo + j] = i8(s, o + 2 + j) * d;
        }
    }

    // block_q4_0 { ggml_half d; uint8_t qs[16]; }: low nibbles are values 0..15, high nibbles 16..31, offset -8.
    private static void q4_0(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 2 + j);
            y[yo + j] = ((q & 0x0F) - 8) * d;
            y[yo + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    // block_q4_1 { ggml_half d; ggml_half m; uint8_t qs[16]; }: x * d + m.
    private static void q4_1(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        float m = half(s, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 4 + j);
            y[yo + j] = (q & 0x0F) * d + m;
            y[yo + j + 16] = (q >> 4) * d + m;
        }
    }

    // block_q5_0 { ggml_half d; uint8_t qh[4]; uint8_t qs[16]; }: 5th bit j of value j in qh, offset -16.
    private static void q5_0(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        int qh = s.get(INT_LE, o + 2);
        for (int j = 0; j < 16; j++) {
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int q = u8(s, o + 6 + j);
            y[yo + j] = (((q & 0x0F) | xh0) - 16) * d;
            y[yo + j + 16] = (((q >> 4) | xh1) - 16) * d;
        }
    }

    // block_q5_1 { ggml_half d; ggml_half m; uint8_t qh[4]; uint8_t qs[16]; }: x * d + m.
    private static void q5_1(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        float m = half(s, o + 2);
        int qh = s.get(INT_LE, o + 4);
        for (int j = 0; j < 16; j++) {
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int q = u8(s, o + 8 + j);
            y[yo + j] = ((q & 0x0F) | xh0) * d + m;
            y[yo + j + 16] = ((q >> 4) | xh1) * d + m;
        }
    }

    // block_q2_K { uint8_t scales[16]; uint8_t qs[64]; ggml_half d; ggml_half dmin; }
    private static void q2_k(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o + 80);
        float min = half(s, o + 82);
        long q = o + 16;
        int is = 0;
        int k = yo;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                int sc = u8(s, o + is++);
                float dl = d * (sc & 0xF);
                float ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) {
                    y[k++] = dl * ((u8(s, q + l) >> shift) & 3) - ml;
                }
                sc = u8(s, o + is++);
                dl = d * (sc & 0xF);
                ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) {
                    y[k++] = dl * ((u8(s, q + l + 16) >> shift) & 3) - ml;
                }
                shift += 2;
            }
            q += 32;
        }
    }

    // block_q3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; ggml_half d; }
    private static void q3_k(MemorySegment s, long o, float[] y, int yo) {
        final int kmask1 = 0x03030303;
        final int kmask2 = 0x0f0f0f0f;
        float dAll = half(s, o + 108);
        long hm = o;
        long q = o + 32;
        int a0 = s.get(INT_LE, o + 96);
        int a1 = s.get(INT_LE, o + 100);
        int tmp = s.get(INT_LE, o + 104);
        int[] aux = {
            (a0 & kmask2) | (((tmp) & kmask1) << 4),
            (a1 & kmask2) | (((tmp >>> 2) & kmask1) << 4),
            ((a0 >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4),
            ((a1 >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4),
        };
        byte[] scales = new byte[16];
        for (int i = 0; i < 16; i++) {
            scales[i] = (byte) (aux[i / 4] >>> (8 * (i % 4)));
        }
        int is = 0;
        int m = 1;
        int k = yo;
        for (int n = 0; n < QK_K; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                float dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    y[k++] = dl * (((u8(s, q + l) >> shift) & 3) - ((u8(s, hm + l) & m) != 0 ? 0 : 4));
                }
                dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    y[k++] = dl * (((u8(s, q + l + 16) >> shift) & 3) - ((u8(s, hm + l + 16) & m) != 0 ? 0 : 4));
                }
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /** ggml's get_scale_min_k4: the 6-bit scale ({@code [0]}) and min ({@code [1]}) of sub-block {@code j}. */
    static void scaleMinK4(int j, MemorySegment s, long q, int[] out) {
        if (j < 4) {
            out[0] = u8(s, q + j) & 63;
            out[1] = u8(s, q + j + 4) & 63;
        } else {
            out[0] = (u8(s, q + j + 4) & 0xF) | ((u8(s, q + j - 4) >> 6) << 4);
            out[1] = (u8(s, q + j + 4) >> 4) | ((u8(s, q + j) >> 6) << 4);
        }
    }

    // block_q4_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qs[128]; }
    private static void q4_k(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        float min = half(s, o + 2);
        long scales = o + 4;
        long q = o + 16;
        int[] sm = new int[2];
        int is = 0;
        int k = yo;
        for (int j = 0; j < QK_K; j += 64) {
            scaleMinK4(is, s, scales, sm);
            float d1 = d * sm[0];
            float m1 = min * sm[1];
            scaleMinK4(is + 1, s, scales, sm);
            float d2 = d * sm[0];
            float m2 = min * sm[1];
            for (int l = 0; l < 32; l++) {
                y[k++] = d1 * (u8(s, q + l) & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[k++] = d2 * (u8(s, q + l) >> 4) - m2;
            }
            q += 32;
            is += 2;
        }
    }

    // block_q5_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; }
    private static void q5_k(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o);
        float min = half(s, o + 2);
        long scales = o + 4;
        long qh = o + 16;
        long ql = o + 48;
        int[] sm = new int[2];
        int is = 0;
        int u1 = 1;
        int u2 = 2;
        int k = yo;
        for (int j = 0; j < QK_K; j += 64) {
            scaleMinK4(is, s, scales, sm);
            float d1 = d * sm[0];
            float m1 = min * sm[1];
            scaleMinK4(is + 1, s, scales, sm);
            float d2 = d * sm[0];
            float m2 = min * sm[1];
            for (int l = 0; l < 32; l++) {
                y[k++] = d1 * ((u8(s, ql + l) & 0xF) + ((u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[k++] = d2 * ((u8(s, ql + l) >> 4) + ((u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    // block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d; }
    private static void q6_k(MemorySegment s, long o, float[] y, int yo) {
        float d = half(s, o + 208);
        long ql = o;
        long qh = o + 128;
        long sc = o + 192;
        int k = yo;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(s, qh + l);
                int q1 = ((u8(s, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((u8(s, ql + l + 32) & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((u8(s, ql + l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((u8(s, ql + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[k + l] = d * i8(s, sc + is) * q1;
                y[k + l + 32] = d * i8(s, sc + is + 2) * q2;
                y[k + l + 64] = d * i8(s, sc + is + 4) * q3;
                y[k + l + 96] = d * i8(s, sc + is + 6) * q4;
            }
            k += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}
