package dev.atelier.inference.model.vae;

/**
 * Estimates the peak activation memory of one encode or decode from the config, by walking the layers in order
 * and counting, per layer, the channel-planes alive at once (input, temporaries, output) at that layer's
 * resolution, with this implementation's eager freeing (see {@link VaeLayer}):
 * <ul>
 *   <li>residual block {@code in → out}: input + normalised copy + sigmoid temporary / conv output = in + 2·out
 *       (+ out for the shortcut conv when in ≠ out);</li>
 *   <li>downsample: input + zero-padded copy + output (¼ of the pixels);</li>
 *   <li>upsample: input (¼ of the pixels) + the ×2 copy + output (half the channels);</li>
 *   <li>attention (latent resolution): input, norm, qkv (3 C), output, projection ≈ 7 C, plus the score chunk.</li>
 * </ul>
 * The result is multiplied by {@link #SAFETY} for allocator rounding and convolution workspaces. Weights are not
 * included (see {@link QwenImageVae#parameterBytes()}). {@code atelier bench vae} prints the estimate beside the
 * measured peak.
 */
public final class VaeMemory {
    /** Head-room factor over the counted planes (allocator fragmentation, conv workspaces). */
    public static final double SAFETY = 1.5;

    private VaeMemory() {}

    /** Peak bytes to encode an {@code height × width} image with activations of {@code bytesPerValue} bytes. */
    public static long encodeBytes(QwenImageVaeConfig c, long height, long width, int bytesPerValue,
            long attentionChunkBytes) {
        double px = (double) height * width;
        int[] dims = c.encoderDims();
        double peak = px * (c.inputChannels() + dims[0]);
        double p = px;
        for (int i = 0; i < c.dimMult().length; i++) {
            int in = dims[i];
            int out = dims[i + 1];
            peak = Math.max(peak, p * residual(in, out));
            peak = Math.max(peak, p * residual(out, out));
            if (i != c.dimMult().length - 1) {
                peak = Math.max(peak, p * out * 2.25);
                p /= 4;
            }
        }
        int mid = dims[dims.length - 1];
        peak = Math.max(peak, p * 7 * mid);
        return finish(peak, bytesPerValue, attentionBytes(p, bytesPerValue, attentionChunkBytes));
    }

    /** Peak bytes to decode latents of an {@code height × width} image (pixel sizes). */
    public static long decodeBytes(QwenImageVaeConfig c, long height, long width, int bytesPerValue,
            long attentionChunkBytes) {
        int[] dims = c.decoderDims();
        int levels = c.dimMult().length - 1;
        double p = (double) height * width / Math.pow(4, levels);
        long attention = attentionBytes(p, bytesPerValue, attentionChunkBytes);
        double peak = p * (c.zDim() + dims[0]);
        peak = Math.max(peak, p * 7 * dims[0]);
        for (int i = 0; i < c.dimMult().length; i++) {
            int in = i > 0 ? dims[i] / 2 : dims[i];
            int out = dims[i + 1];
            peak = Math.max(peak, p * residual(in, out));
            peak = Math.max(peak, p * residual(out, out));
            if (i != c.dimMult().length - 1) {
                peak = Math.max(peak, p * out + 4 * p * (out + out / 2.0));
                p *= 4;
            }
        }
        peak = Math.max(peak, p * (dims[dims.length - 1] * 2 + c.inputChannels()));
        return finish(peak, bytesPerValue, attention);
    }

    /** Scores + probabilities of one query chunk over {@code positions} keys (see {@link VaeAttentionBlock}). */
    static long attentionBytes(double positions, int bytesPerValue, long chunkBytes) {
        double row = Math.max(1, positions) * bytesPerValue * 2;
        double rows = Math.max(1, Math.min(positions, Math.floor(chunkBytes / row)));
        return (long) (rows * row);
    }

    private static double residual(int in, int out) {
        return in + 2.0 * out + (in != out ? out : 0);
    }

    private static long finish(double planes, int bytesPerValue, long attentionBytes) {
        return (long) (planes * bytesPerValue * SAFETY) + attentionBytes;
    }
}
