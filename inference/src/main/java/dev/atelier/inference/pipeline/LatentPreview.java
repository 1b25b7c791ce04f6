package dev.atelier.inference.pipeline;

import dev.atelier.inference.api.RgbImage;

// Latent-to-RGB factors of the Wan 2.1 latent space (which the Qwen-Image VAE shares), from ComfyUI
// comfy/latent_formats.py (class Wan21) and the projection of latent_preview.py (Latent2RGBPreviewer)
// @a125cd84b054a57729b5eecab930ca9408719832
/**
 * The cheap per-step preview: a fixed linear map of the 16 latent channels to RGB at latent resolution (1/8 of the
 * image side, e.g. 128 x 128 for a 1024² image), no VAE. Apply it to the denoised estimate
 * {@code x0 = latents - sigma * velocity} ({@link #x0}) for a preview that sharpens step by step.
 */
public final class LatentPreview {
    /** [channel][r, g, b] for normalised latents ((raw - latents_mean) / latents_std, the pipelines' space). */
    static final float[][] RGB_FACTORS = {
        {-0.1299f, -0.1692f, 0.2932f},
        {0.0671f, 0.0406f, 0.0442f},
        {0.3568f, 0.2548f, 0.1747f},
        {0.0372f, 0.2344f, 0.1420f},
        {0.0313f, 0.0189f, -0.0328f},
        {0.0296f, -0.0956f, -0.0665f},
        {-0.3477f, -0.4059f, -0.2925f},
        {0.0166f, 0.1902f, 0.1975f},
        {-0.0412f, 0.0267f, -0.1364f},
        {-0.1293f, 0.0740f, 0.1636f},
        {0.0680f, 0.3019f, 0.1128f},
        {0.0032f, 0.0581f, 0.0639f},
        {-0.1251f, 0.0927f, 0.1699f},
        {0.0060f, -0.0633f, 0.0005f},
        {0.3477f, 0.2275f, 0.2950f},
        {0.1984f, 0.0913f, 0.1861f},
    };
    static final float[] RGB_BIAS = {-0.1835f, -0.0868f, -0.3360f};

    private LatentPreview() {}

    /** Flow matching's denoised estimate: {@code latents - sigma * velocity}, elementwise. */
    public static float[] x0(float[] latents, float[] velocity, float sigma) {
        float[] out = new float[latents.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = latents[i] - sigma * velocity[i];
        }
        return out;
    }

    /**
     * Preview of packed latents (batch 0, target tokens first: {@code [tokensH * tokensW, 64]} row-major, feature
     * {@code c * 4 + dy * 2 + dx} as diffusers' {@code _pack_latents}); the image is {@code 2 tokensW x 2 tokensH}.
     */
    public static RgbImage fromPacked(float[] packed, int tokensH, int tokensW) {
        int channels = RGB_FACTORS.length;
        int features = channels * 4;
        if (packed.length < (long) tokensH * tokensW * features) {
            throw new IllegalArgumentException("preview: " + packed.length + " values, need " + tokensH * tokensW * features
                    + " for " + tokensH + "x" + tokensW + " tokens of " + features);
        }
        int w = 2 * tokensW;
        int h = 2 * tokensH;
        int[] argb = new int[w * h];
        for (int ti = 0; ti < tokensH; ti++) {
            for (int tj = 0; tj < tokensW; tj++) {
                int base = (ti * tokensW + tj) * features;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        float r = RGB_BIAS[0];
                        float g = RGB_BIAS[1];
                        float b = RGB_BIAS[2];
                        for (int c = 0; c < channels; c++) {
                            float v = packed[base + c * 4 + dy * 2 + dx];
                            r += v * RGB_FACTORS[c][0];
                            g += v * RGB_FACTORS[c][1];
                            b += v * RGB_FACTORS[c][2];
                        }
                        argb[(2 * ti + dy) * w + 2 * tj + dx] = 0xFF000000 | level(r) << 16 | level(g) << 8 | level(b);
                    }
                }
            }
        }
        return new RgbImage(w, h, argb);
    }

    /** [-1, 1] to 0..255 as ComfyUI's preview_to_image. */
    private static int level(float v) {
        float x = (v + 1f) / 2f;
        x = x < 0 ? 0 : Math.min(x, 1);
        return (int) (x * 255);
    }
}
