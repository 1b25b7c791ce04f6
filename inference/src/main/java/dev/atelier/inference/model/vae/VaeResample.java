package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code QwenImageResample} for single-frame images.
 *
 * <ul>
 *   <li>{@code downsample2d} / {@code downsample3d}: {@code ZeroPad2d((0, 1, 0, 1))} then a 3×3 conv with stride 2.
 *       The 3d variant's {@code time_conv} never runs on the first chunk: with an empty feature cache the reference
 *       stores the frame in the cache and returns it unchanged, and a one-frame image is a single first chunk.</li>
 *   <li>{@code upsample2d} / {@code upsample3d}: nearest-exact ×2 (for an exact factor 2 every pixel is repeated
 *       2×2) then a 3×3 conv, padding 1, to {@code dim / 2} channels. The 3d variant's {@code time_conv} is skipped on
 *       the first chunk too (the reference marks the cache {@code "Rep"} and leaves the frame count at 1).</li>
 * </ul>
 * The {@code time_conv} weights are therefore not loaded.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageResample}, {@code QwenImageUpsample}).
 */
final class VaeResample implements VaeLayer {
    private static final Shape PAD_RIGHT_BOTTOM = new Shape(0, 1, 0, 1);

    private final boolean up;
    private final VaeConv conv;

    private VaeResample(boolean up, VaeConv conv) {
        this.up = up;
        this.conv = conv;
    }

    /** {@code resample.1}: the conv after the Sequential's ZeroPad2d. */
    static VaeResample down(VaeParams p, long dim) {
        return new VaeResample(false, VaeConv.conv2d(p.pp("resample").pp(1), dim, dim, 3, 2, 0));
    }

    /** {@code resample.1}: the conv after the Sequential's upsample. */
    static VaeResample up(VaeParams p, long dim) {
        return new VaeResample(true, VaeConv.conv2d(p.pp("resample").pp(1), dim, dim / 2, 3, 1, 1));
    }

    /** x: [N, C, H, W] → [N, C, ⌈(H-1)/2⌉, …] (down) or [N, C/2, 2H, 2W] (up). */
    @Override
    public NDArray forward(NDArray x) {
        if (up) {
            try (NDArray big = nearest2x(x)) {
                return conv.forward(big);
            }
        }
        try (NDArray padded = x.pad(PAD_RIGHT_BOTTOM, 0)) {
            return conv.forward(padded);
        }
    }

    /** Nearest(-exact) upsampling by exactly 2: source index = floor((i + 0.5) / 2) = i / 2. */
    static NDArray nearest2x(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        try (NDArray r = x.reshape(n, c, h, 1, w, 1); NDArray b = r.broadcast(new Shape(n, c, h, 2, w, 2))) {
            return b.reshape(n, c, 2 * h, 2 * w);
        }
    }
}
