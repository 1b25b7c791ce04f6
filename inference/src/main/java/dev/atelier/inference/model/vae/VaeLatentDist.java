package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' {@code DiagonalGaussianDistribution} of the encoder output: {@code mean, logvar = chunk(moments, 2,
 * dim=1)}, {@code logvar} clamped to [-30, 20], {@code std = exp(0.5 * logvar)}. {@link #mode()} is the mean (what the
 * pipelines use: {@code sample_mode="argmax"}). The arrays share the moments' manager; close them or their manager.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/vae.py @58eb52c0803ea9af3abec60841c2a093bdf1f951
 * ({@code DiagonalGaussianDistribution}).
 */
public record VaeLatentDist(NDArray mean, NDArray logvar, NDArray std) implements AutoCloseable {

    /** Splits {@code moments} ([N, 2z, ...]) along axis 1; the moments array is closed. */
    static VaeLatentDist of(NDArray moments) {
        long z = moments.getShape().get(1) / 2;
        var halves = moments.split(new long[] {z}, 1);
        NDArray mean = halves.get(0).duplicate();
        NDArray logvar = halves.get(1).clip(-30.0, 20.0);
        halves.close();
        moments.close();
        NDArray std;
        try (NDArray half = logvar.mul(0.5f)) {
            std = half.exp();
        }
        return new VaeLatentDist(mean, logvar, std);
    }

    /** The distribution's mode: its mean. */
    public NDArray mode() {
        return mean;
    }

    @Override
    public void close() {
        mean.close();
        logvar.close();
        std.close();
    }
}
