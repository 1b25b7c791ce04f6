package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.image.VaeImageProcessor;

// Ported from diffusers src/diffusers/image_processor.py (VaeImageProcessor.preprocess with do_binarize,
// do_normalize=False, do_convert_grayscale: the inpaint pipelines' mask_processor) and
// src/diffusers/pipelines/qwenimage/pipeline_qwenimage_edit_inpaint.py (prepare_mask_latents)
// @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * The inpaint pipelines' mask: resized to the working size with Pillow's Lanczos (as {@code mask_processor.preprocess}
 * does to a PIL "L" image), binarised ({@code v / 255 >= 0.5} → 1, else 0), then {@code F.interpolate(mode="nearest")}
 * to the latent grid, repeated over the 16 latent channels and packed like the latents.
 */
public final class MaskLatents {
    private MaskLatents() {}

    /** {@code mask_processor.preprocess(mask, height, width)}: 0/1 per pixel of the working size, row-major. */
    public static float[] condition(MaskImage mask, int width, int height) {
        byte[] v = VaeImageProcessor.resize(mask, width, height).values();
        float[] out = new float[width * height];
        for (int i = 0; i < out.length; i++) {
            out[i] = (v[i] & 0xFF) / 255f >= 0.5f ? 1f : 0f;
        }
        return out;
    }

    /**
     * torch's {@code interpolate(mode="nearest")} of a {@code w × h} plane to {@code lw × lh}: source index
     * {@code floor(dst * (in / out))} (float32 scale), clamped.
     */
    static float[] nearest(float[] src, int w, int h, int lw, int lh) {
        float sx = (float) w / lw;
        float sy = (float) h / lh;
        float[] out = new float[lw * lh];
        for (int y = 0; y < lh; y++) {
            int iy = Math.min((int) Math.floor(y * sy), h - 1);
            for (int x = 0; x < lw; x++) {
                int ix = Math.min((int) Math.floor(x * sx), w - 1);
                out[y * lw + x] = src[iy * w + ix];
            }
        }
        return out;
    }

    /** The packed mask [1, N, 64] for latents of a {@code width × height} image. */
    public static NDArray packed(float[] condition, int width, int height, NDManager m) {
        int lh = (int) Latents.latentSide(height, PipelineSupport.VAE_SCALE);
        int lw = (int) Latents.latentSide(width, PipelineSupport.VAE_SCALE);
        float[] small = nearest(condition, width, height, lw, lh);
        float[] rep = new float[PipelineSupport.LATENT_CHANNELS * small.length];
        for (int c = 0; c < PipelineSupport.LATENT_CHANNELS; c++) {
            System.arraycopy(small, 0, rep, c * small.length, small.length);
        }
        // Left to m (not closed): pack may return a view of an array made from Java memory.
        NDArray a = m.create(rep, new Shape(1, PipelineSupport.LATENT_CHANNELS, lh, lw));
        return Latents.pack(a);
    }

    /** Fraction of working-size pixels the binarised mask repaints. */
    public static double coverage(float[] condition) {
        double s = 0;
        for (float v : condition) {
            s += v;
        }
        return s / condition.length;
    }
}
