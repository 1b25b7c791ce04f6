package dev.atelier.inference.pipeline;

/**
 * Puts the original photo back outside the mask after a masked edit. Pixels where the mask is 0 are copied from the
 * original bit for bit; inside the mask the generated pixels are blended in with a feathered edge that only reaches
 * inward, so no unmasked pixel ever changes.
 */
public final class MaskComposite {
    private MaskComposite() {}

    /**
     * @param original  ARGB pixels of the photo (w × h)
     * @param generated ARGB pixels of the edit, same size
     * @param mask      one byte per pixel, 0 = keep, 255 = repaint (soft values allowed)
     * @param feather   feather radius in pixels (0 = hard edge)
     * @return ARGB pixels; the original alpha channel is kept everywhere
     */
    public static int[] composite(int[] original, int[] generated, byte[] mask, int w, int h, int feather) {
        if (original.length != w * h || generated.length != w * h || mask.length != w * h) {
            throw new IllegalArgumentException("composite: image, result and mask must all be " + w + "×" + h);
        }
        float[] alpha = featherInward(mask, w, h, feather);
        int[] out = new int[w * h];
        for (int i = 0; i < out.length; i++) {
            float a = alpha[i];
            int o = original[i];
            if (a <= 0f) {
                out[i] = o;
                continue;
            }
            int g = generated[i];
            int r = blend((o >> 16) & 0xFF, (g >> 16) & 0xFF, a);
            int gg = blend((o >> 8) & 0xFF, (g >> 8) & 0xFF, a);
            int b = blend(o & 0xFF, g & 0xFF, a);
            out[i] = (o & 0xFF000000) | (r << 16) | (gg << 8) | b;
        }
        return out;
    }

    private static int blend(int o, int g, float a) {
        return Math.round(o + (g - o) * a);
    }

    /**
     * Blend weights: the soft mask times a ramp that is 0 on the mask's border and reaches 1 about {@code radius}
     * pixels inside it (the fully-masked region blurred twice with a box filter, re-centred), so the feather lies
     * inside the mask and the weight is exactly 0 wherever the mask is 0.
     */
    static float[] featherInward(byte[] mask, int w, int h, int radius) {
        float[] m = new float[w * h];
        for (int i = 0; i < m.length; i++) {
            m[i] = (mask[i] & 0xFF) / 255f;
        }
        if (radius <= 0) {
            return m;
        }
        float[] inside = new float[w * h];
        for (int i = 0; i < m.length; i++) {
            inside[i] = m[i] > 0f ? 1f : 0f;
        }
        float[] blurred = boxBlur(boxBlur(inside, w, h, radius), w, h, radius);
        for (int i = 0; i < m.length; i++) {
            float ramp = Math.clamp(2f * (blurred[i] - 0.5f), 0f, 1f);
            m[i] = m[i] * ramp;
        }
        return m;
    }

    private static float[] boxBlur(float[] src, int w, int h, int r) {
        float[] tmp = new float[w * h];
        float[] dst = new float[w * h];
        for (int y = 0; y < h; y++) {
            double sum = 0;
            int row = y * w;
            for (int x = -r; x <= r; x++) {
                sum += src[row + Math.clamp(x, 0, w - 1)];
            }
            for (int x = 0; x < w; x++) {
                tmp[row + x] = (float) (sum / (2 * r + 1));
                sum += src[row + Math.min(x + r + 1, w - 1)] - src[row + Math.max(x - r, 0)];
            }
        }
        for (int x = 0; x < w; x++) {
            double sum = 0;
            for (int y = -r; y <= r; y++) {
                sum += tmp[Math.clamp(y, 0, h - 1) * w + x];
            }
            for (int y = 0; y < h; y++) {
                dst[y * w + x] = (float) (sum / (2 * r + 1));
                sum += tmp[Math.min(y + r + 1, h - 1) * w + x] - tmp[Math.max(y - r, 0) * w + x];
            }
        }
        return dst;
    }
}
