package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Packing of VAE latents into transformer tokens: each 2×2 latent patch becomes one token of {@code 4·C} features.
 * Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py ({@code _pack_latents},
 * {@code _unpack_latents}) @58eb52c0803ea9af3abec60841c2a093bdf1f951.
 */
public final class Latents {
    private Latents() {}

    /** [B, C, H, W] (or [B, C, 1, H, W]) → [B, (H/2)(W/2), 4C]. */
    public static NDArray pack(NDArray latents) {
        Shape s = latents.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(s.dimension() - 2);
        long w = s.get(s.dimension() - 1);
        if (h % 2 != 0 || w % 2 != 0) {
            throw new IllegalArgumentException("latent grid " + h + "×" + w + " is not divisible by the 2×2 patch");
        }
        return latents.reshape(b, c, h / 2, 2, w / 2, 2)
                .transpose(0, 2, 4, 1, 3, 5)
                .reshape(b, (h / 2) * (w / 2), c * 4);
    }

    /** [B, (H/2)(W/2), 4C] → [B, C, 1, H, W] for a latent grid of {@code h}×{@code w}. */
    public static NDArray unpack(NDArray packed, long h, long w) {
        Shape s = packed.getShape();
        long b = s.get(0);
        long ch = s.get(2);
        if (s.get(1) != (h / 2) * (w / 2)) {
            throw new IllegalArgumentException(s.get(1) + " tokens do not make a " + h + "×" + w + " latent grid");
        }
        return packed.reshape(b, h / 2, w / 2, ch / 4, 2, 2)
                .transpose(0, 3, 1, 4, 2, 5)
                .reshape(b, ch / 4, 1, h, w);
    }

    /** Latent grid side for an image side: {@code 2 · (px // (vaeScale · 2))}. */
    public static long latentSide(long pixels, int vaeScaleFactor) {
        return 2 * (pixels / (vaeScaleFactor * 2L));
    }
}
