package dev.atelier.inference.image;

/**
 * Pillow's {@code Image.resize(size, Image.LANCZOS)} for 8-bit images, bit for bit: separable two-pass resampling
 * (horizontal pass first, over only the source rows the vertical pass reads), Lanczos-3 weights normalised per
 * output pixel, converted to 22-bit fixed point ({@code PRECISION_BITS = 32 - 8 - 2}) with round-half-away, summed
 * from {@code 1 << 21} and clipped to [0, 255]; the intermediate image is 8-bit, as in Pillow.
 *
 * <p>Ported from Pillow {@code src/libImaging/Resample.c} ({@code precompute_coeffs}, {@code normalize_coeffs_8bpc},
 * {@code ImagingResampleHorizontal_8bpc}, {@code ImagingResampleVertical_8bpc}, {@code ImagingResampleInner}), which
 * diffusers' {@code VaeImageProcessor.resize} calls (resample {@code "lanczos"}).
 */
public final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double LANCZOS_SUPPORT = 3.0;

    private PilResize() {}

    /**
     * Resizes interleaved 8-bit pixels ({@code channels} per pixel, row-major) from {@code w × h} to
     * {@code outW × outH}. Returns a copy when the size is unchanged (as Pillow does).
     */
    public static byte[] lanczos(byte[] src, int w, int h, int channels, int outW, int outH) {
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("resize target must be positive, got " + outW + "×" + outH);
        }
        if (outW == w && outH == h) {
            return src.clone();
        }
        Coeffs horiz = Coeffs.of(w, outW);
        Coeffs vert = Coeffs.of(h, outH);
        byte[] cur = src;
        int curH = h;
        int curW = w;
        if (outW != w) {
            int first = vert.bounds[0];
            int last = vert.bounds[(outH - 1) * 2] + vert.bounds[(outH - 1) * 2 + 1];
            if (outH == h) {
                first = 0;
                last = h;
            } else {
                for (int i = 0; i < outH; i++) {
                    vert.bounds[i * 2] -= first;
                }
            }
            int rows = last - first;
            byte[] tmp = new byte[Math.multiplyExact(Math.multiplyExact(rows, outW), channels)];
            horizontal(cur, curW, channels, first, rows, outW, horiz, tmp);
            cur = tmp;
            curW = outW;
            curH = rows;
        }
        if (outH != h) {
            byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(outH, curW), channels)];
            vertical(cur, curW, channels, outH, vert, out);
            cur = out;
        }
        assert curH > 0;
        return cur;
    }

    private static void horizontal(byte[] in, int inW, int ch, int rowOffset, int rows, int outW, Coeffs c,
            byte[] out) {
        int[] acc = new int[ch];
        for (int yy = 0; yy < rows; yy++) {
            int inRow = (yy + rowOffset) * inW * ch;
            int outRow = yy * outW * ch;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[xx * 2];
                int xmax = c.bounds[xx * 2 + 1];
                int kBase = xx * c.ksize;
                java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                for (int x = 0; x < xmax; x++) {
                    int k = c.fixed[kBase + x];
                    int p = inRow + (x + xmin) * ch;
                    for (int b = 0; b < ch; b++) {
                        acc[b] += (in[p + b] & 0xff) * k;
                    }
                }
                for (int b = 0; b < ch; b++) {
                    out[outRow + xx * ch + b] = clip8(acc[b]);
                }
            }
        }
    }

    private static void vertical(byte[] in, int w, int ch, int outH, Coeffs c, byte[] out) {
        int rowLen = w * ch;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[yy * 2];
            int ymax = c.bounds[yy * 2 + 1];
            int kBase = yy * c.ksize;
            for (int i = 0; i < rowLen; i++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < ymax; y++) {
                    acc += (in[(y + ymin) * rowLen + i] & 0xff) * c.fixed[kBase + y];
                }
                out[yy * rowLen + i] = clip8(acc);
            }
        }
    }

    private static byte clip8(int v) {
        int s = v >> PRECISION_BITS;
        return (byte) (s < 0 ? 0 : Math.min(s, 255));
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return Math.sin(x) / x;
    }

    private static double lanczos(double x) {
        return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
    }

    /** {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for the box (0, inSize). */
    private record Coeffs(int ksize, int[] bounds, int[] fixed) {
        static Coeffs of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = LANCZOS_SUPPORT * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] fixed = new int[outSize * ksize];
            double[] k = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double wgt = lanczos((x + xmin - center + 0.5) * ss);
                    k[x] = wgt;
                    ww += wgt;
                }
                for (int x = 0; x < ksize; x++) {
                    double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
                    fixed[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            return new Coeffs(ksize, bounds, fixed);
        }
    }
}
