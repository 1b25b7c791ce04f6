package dev.atelier.inference.noise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.stream.IntStream;

/**
 * Seeded standard-normal float32 noise that is the same on every run, machine, OS and thread count, independent of
 * libtorch's generators (which differ between CPU and CUDA and between versions).
 *
 * <p>How: a counter-based Philox4x32-10 generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC'11; the same round function as Random123 and {@code jax.random}) keyed by the 64-bit seed. Value {@code i} of
 * stream {@code s} comes from block {@code i / 2} with counter {@code (i/2 low 32 bits, i/2 high 32 bits, s low, s
 * high)}: its four 32-bit outputs make two 53-bit uniforms {@code u1 in (0, 1]}, {@code u2 in [0, 1)}, and the
 * Box–Muller transform {@code r = sqrt(-2 ln u1)} gives {@code r cos(2 pi u2)} (even i) and {@code r sin(2 pi u2)}
 * (odd i), computed in double with {@link StrictMath} (bit-reproducible by the Java specification) and rounded to
 * float32. Every value depends only on (seed, stream, index), so tensors can be filled in parallel and any
 * sub-range regenerated. Streams separate the draws of one run (initial latents = stream 0, VAE sampling = 1...).
 *
 * <p>Identifier recorded in the generation parameters: {@link #ID}.
 */
public final class NoiseGenerator {
    public static final String ID = "philox4x32-10/box-muller/v1";

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private final long seed;
    private final long stream;

    public NoiseGenerator(long seed) {
        this(seed, 0);
    }

    public NoiseGenerator(long seed, long stream) {
        this.seed = seed;
        this.stream = stream;
    }

    /** The same seed with another independent stream. */
    public NoiseGenerator stream(long s) {
        return new NoiseGenerator(seed, s);
    }

    public long seed() {
        return seed;
    }

    /** Philox4x32-10 of counter {@code c} with key {@code (k0, k1)}; returns the four output words. */
    static int[] philox(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** Fills {@code out[0..n)} with values {@code offset .. offset + n - 1} of this stream. */
    public void fill(float[] out, long offset) {
        int n = out.length;
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int s0 = (int) stream;
        int s1 = (int) (stream >>> 32);
        int chunk = 1 << 14;
        IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            int to = Math.min(n, from + chunk);
            for (int j = from; j < to; j++) {
                long i = offset + j;
                long block = i >>> 1;
                int[] w = philox((int) block, (int) (block >>> 32), s0, s1, k0, k1);
                double u1 = ((((w[0] & 0xFFFFFFFFL) << 21) ^ ((w[1] & 0xFFFFFFFFL) >>> 11)) + 1) * TWO_POW_MINUS_53;
                double u2 = (((w[2] & 0xFFFFFFFFL) << 21) ^ ((w[3] & 0xFFFFFFFFL) >>> 11)) * TWO_POW_MINUS_53;
                double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                double a = 2.0 * StrictMath.PI * u2;
                out[j] = (float) (r * ((i & 1) == 0 ? StrictMath.cos(a) : StrictMath.sin(a)));
            }
        });
    }

    /** The first {@code n} values of this stream. */
    public float[] normal(int n) {
        float[] out = new float[n];
        fill(out, 0);
        return out;
    }

    /** A float32 tensor of {@code shape} filled row-major with this stream's first values. */
    public NDArray randn(NDManager manager, Shape shape) {
        long size = shape.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("noise tensor " + shape + " is too large");
        }
        return manager.create(normal((int) size), shape);
    }
}
