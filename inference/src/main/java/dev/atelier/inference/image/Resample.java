package dev.atelier.inference.image;

/**
 * Separable two-pass 8-bit image resampling of interleaved pixels (any number of channels), bit-exact with the two implementations the reference pipelines use:
 *
 * <ul>
 *   <li>{@link Quantization#PIL}: Pillow's {@code Image.resize} ({@code src/libImaging/Resample.c}:
 *       {@code precompute_coeffs}, {@code normalize_coeffs_8bpc}, {@code ImagingResampleHorizontal_8bpc} /
 *       {@code Vertical_8bpc}). diffusers' {@code VaeImageProcessor.resize} uses it with LANCZOS for the
 *       condition images.</li>
 *   <li>{@link Quantization#TORCH_INT16}: torch's antialiased uint8 interpolation on the CPU
 *       ({@code aten/src/ATen/native/cpu/UpSampleKernel.cpp}: {@code _compute_indices_min_size_weights_aa},
 *       {@code _compute_index_ranges_int16_weights}, {@code basic_loop_aa_horizontal/vertical<uint8_t>}; the AVX2
 *       kernels compute the same integers). transformers 5.17's default {@code Qwen2VLImageProcessor} is the
 *       torchvision backend: {@code tvF.resize(uint8 tensor, BICUBIC, antialias=True)} lands here.</li>
 * </ul>
 *
 * <p>Both compute the filter taps in double exactly as Pillow does (support scaled by the down-scale factor,
 * {@code xmin = (int)(center - support + 0.5)}, weights normalised by their sum), quantise them to integers and
 * accumulate {@code sum(pixel * k) + 2^(p-1)} in int, then {@code clamp(acc >> p, 0, 255)}. They differ only in the
 * quantisation: Pillow uses 22 fractional bits in int32; torch picks the largest precision {@code p <= 22} whose
 * largest weight still fits int16. The horizontal pass runs first, its 8-bit result feeds the vertical pass; an
 * axis whose size does not change is not resampled.
 */
// Ported from Pillow src/libImaging/Resample.c (Pillow 12.3) and torch aten/src/ATen/native/cpu/UpSampleKernel.cpp
public final class Resample {
    private Resample() {}

    /** Interpolation filters with their support radius (in source pixels at scale 1). */
    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0), LANCZOS(3.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }
    }

    /** How the double taps become integers (see the class comment). */
    public enum Quantization {
        PIL, TORCH_INT16
    }

    private static final int PIL_PRECISION_BITS = 32 - 8 - 2;

    /** Pillow's {@code Image.resize(size, Image.LANCZOS)} of interleaved 8-bit pixels, bit for bit. */
    public static byte[] lanczos(byte[] src, int w, int h, int channels, int outW, int outH) {
        return resize(src, w, h, channels, outW, outH, Filter.LANCZOS, Quantization.PIL);
    }

    /**
     * Resizes interleaved 8-bit pixels ({@code channels} per pixel, row-major) from {@code w x h} to
     * {@code outW x outH}. Returns a copy when the size is unchanged (as Pillow does).
     */
    public static byte[] resize(byte[] src, int w, int h, int channels, int outW, int outH, Filter filter,
            Quantization q) {
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("resize target must be positive, got " + outW + "x" + outH);
        }
        if (filter == Filter.LANCZOS && q == Quantization.TORCH_INT16) {
            throw new IllegalArgumentException("torch has no Lanczos interpolation (transformers falls back to bicubic)");
        }
        if (src.length != (long) w * h * channels) {
            throw new IllegalArgumentException("pixels: expected " + w + "x" + h + "x" + channels + " bytes, got "
                    + src.length);
        }
        byte[] data = src;
        if (outW != w) {
            Taps taps = taps(w, outW, filter, q);
            data = horizontal(data, w, h, channels, outW, taps);
            w = outW;
        }
        if (outH != h) {
            Taps taps = taps(h, outH, filter, q);
            data = vertical(data, w, channels, outH, taps);
        }
        return data == src ? src.clone() : data;
    }

    /** Integer taps of one axis: for output i, {@code size[i]} weights starting at source {@code min[i]}. */
    record Taps(int[] min, int[] size, int[] weights, int ksize, int precision) {}

    static Taps taps(int inSize, int outSize, Filter filter, Quantization q) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        double invScale = 1.0 / filterScale;
        int[] min = new int[outSize];
        int[] size = new int[outSize];
        double[] k = new double[outSize * ksize];
        double maxWeight = 0;
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xsize = Math.min((int) (center + support + 0.5), inSize) - xmin;
            xsize = Math.clamp(xsize, 0, ksize);
            double total = 0;
            for (int x = 0; x < xsize; x++) {
                double t = (x + xmin - center + 0.5) * invScale;
                double wt = q == Quantization.PIL ? pilFilter(filter, t) : torchFilter(filter, t);
                k[i * ksize + x] = wt;
                total += wt;
            }
            if (total != 0.0) {
                for (int x = 0; x < xsize; x++) {
                    k[i * ksize + x] /= total;
                    maxWeight = Math.max(maxWeight, k[i * ksize + x]);
                }
            }
            min[i] = xmin;
            size[i] = xsize;
        }
        int precision = q == Quantization.PIL ? PIL_PRECISION_BITS : torchPrecision(maxWeight);
        int[] kk = new int[k.length];
        double one = 1 << precision;
        for (int j = 0; j < k.length; j++) {
            double v = k[j] * one;
            kk[j] = v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v);
        }
        return new Taps(min, size, kk, ksize, precision);
    }

    /** torch: the largest precision below 22 bits at which the largest weight stays under 2^15. */
    private static int torchPrecision(double maxWeight) {
        int p;
        for (p = 0; p < 22; p++) {
            int next = (int) (0.5 + maxWeight * (1 << (p + 1)));
            if (next >= (1 << 15)) {
                break;
            }
        }
        return p;
    }

    private static byte[] horizontal(byte[] src, int w, int h, int ch, int outW, Taps t) {
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(outW, h), ch)];
        int half = 1 << (t.precision - 1);
        int[] acc = new int[ch];
        for (int y = 0; y < h; y++) {
            int row = y * w * ch;
            for (int xx = 0; xx < outW; xx++) {
                int base = xx * t.ksize;
                java.util.Arrays.fill(acc, half);
                int p = row + t.min[xx] * ch;
                for (int x = 0; x < t.size[xx]; x++, p += ch) {
                    int kv = t.weights[base + x];
                    for (int b = 0; b < ch; b++) {
                        acc[b] += (src[p + b] & 0xff) * kv;
                    }
                }
                int o = (y * outW + xx) * ch;
                for (int b = 0; b < ch; b++) {
                    out[o + b] = clip8(acc[b], t.precision);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int ch, int outH, Taps t) {
        int stride = w * ch;
        byte[] out = new byte[Math.multiplyExact(stride, outH)];
        int half = 1 << (t.precision - 1);
        for (int yy = 0; yy < outH; yy++) {
            int base = yy * t.ksize;
            int ymin = t.min[yy];
            int n = t.size[yy];
            for (int c = 0; c < stride; c++) {
                int s = half;
                int p = ymin * stride + c;
                for (int y = 0; y < n; y++, p += stride) {
                    s += (src[p] & 0xff) * t.weights[base + y];
                }
                out[yy * stride + c] = clip8(s, t.precision);
            }
        }
        return out;
    }

    private static byte clip8(int acc, int precision) {
        return (byte) Math.clamp(acc >> precision, 0, 255);
    }

    /** Pillow's filter functions (Resample.c). */
    static double pilFilter(Filter f, double x) {
        return switch (f) {
            case BILINEAR -> {
                double a = Math.abs(x);
                yield a < 1.0 ? 1.0 - a : 0.0;
            }
            case BICUBIC -> {
                final double a = -0.5;
                double v = Math.abs(x);
                if (v < 1.0) {
                    yield ((a + 2.0) * v - (a + 3.0)) * v * v + 1;
                }
                if (v < 2.0) {
                    yield (((v - 5) * v + 8) * v - 4) * a;
                }
                yield 0.0;
            }
            case LANCZOS -> (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
        };
    }

    /** torch's {@code HelperInterpLinear/HelperInterpCubic::aa_filter} (cubic with Keys' a = -0.5 under antialias). */
    static double torchFilter(Filter f, double x) {
        return switch (f) {
            case BILINEAR -> {
                double a = Math.abs(x);
                yield a < 1.0 ? 1.0 - a : 0.0;
            }
            case BICUBIC -> {
                final double a = -0.5;
                double v = Math.abs(x);
                if (v < 1.0) {
                    yield ((a + 2) * v - (a + 3)) * v * v + 1;
                }
                if (v < 2.0) {
                    yield ((a * v - 5 * a) * v + 8 * a) * v - 4 * a;
                }
                yield 0.0;
            }
            case LANCZOS -> throw new IllegalArgumentException("torch has no Lanczos filter");
        };
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return StrictMath.sin(px) / px;
    }
}
