package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * {@code QwenImageRMS_norm}: {@code F.normalize(x, dim=1) * dim**0.5 * gamma (+ bias, absent in this VAE)} over the
 * channel axis of {@code [N, C, H, W]}; bf16/fp16 inputs are normalised in float32 as the reference does.
 * {@code dim**0.5 * gamma} is folded into one tensor at load time (one rounding instead of two: ≤ 1 ulp).
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageRMS_norm}).
 */
final class ChannelRmsNorm {
    private final NDArray scaledGamma;

    private ChannelRmsNorm(NDArray scaledGamma) {
        this.scaledGamma = scaledGamma;
    }

    /** {@code images=false} layers store gamma as [C, 1, 1, 1], {@code images=true} (attention) as [C, 1, 1]. */
    static ChannelRmsNorm load(VaeParams p, long dim, boolean images) {
        NDArray gamma = images ? p.get("gamma", dim, 1, 1) : p.get("gamma", dim, 1, 1, 1);
        NDArray g32 = gamma.toType(DataType.FLOAT32, true).reshape(dim, 1, 1);
        NDArray scaled = g32.mul((float) Math.sqrt(dim));
        NDArray out = scaled.toType(gamma.getDataType(), true);
        gamma.close();
        g32.close();
        if (out != scaled) {
            scaled.close();
        }
        return new ChannelRmsNorm(out);
    }

    /** x: [N, C, H, W] → same. */
    NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        NDArray normed;
        if (in == DataType.FLOAT32 || in == DataType.FLOAT64) {
            normed = x.normalize(2, 1, 1e-12);
        } else {
            try (NDArray xf = x.toType(DataType.FLOAT32, true); NDArray n = xf.normalize(2, 1, 1e-12)) {
                normed = n.toType(in, true);
            }
        }
        return normed.muli(scaledGamma);
    }
}
