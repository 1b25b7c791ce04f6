package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A 2-D convolution over {@code [N, C, H, W]} frames. The VAE's {@code QwenImageCausalConv3d} layers become this
 * class for single-frame images:
 *
 * <p>{@code QwenImageCausalConv3d(k, padding=p)} pads time by {@code 2p} zero frames in front and none behind
 * ({@code _padding = (p, p, p, p, 2p, 0)}). For the first (and only) chunk of a one-frame image the feature cache is
 * empty, so the padded input is {@code [0, ..., 0, x]} ({@code k - 1} zero frames for {@code k = 3, p = 1}) and the
 * single output frame is {@code sum_t W[:, :, t] * frame_t = W[:, :, k - 1] * x}: a conv2d with the last time slice
 * of the kernel and the same spatial padding. This is mathematically identical to the reference (the zero frames
 * contribute exact zeros). Kernel-1 layers ({@code conv_shortcut}, {@code quant_conv}, {@code post_quant_conv}) have
 * no time padding and use their only slice.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageCausalConv3d}, {@code nn.Conv2d} of the resamplers and
 * the attention block).
 */
final class VaeConv {
    private static final Shape DILATION = new Shape(1, 1);

    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;

    private VaeConv(NDArray weight, NDArray bias, int stride, int padding) {
        this.weight = weight;
        this.bias = bias;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** A causal conv3d with cubic kernel {@code k} and padding {@code (k - 1) / 2}, applied to one frame. */
    static VaeConv causal(VaeParams p, long in, long out, int k) {
        NDArray w5 = p.get("weight", out, in, k, k, k);
        // last time slice: the only one that meets the real frame after causal zero padding (see class comment)
        NDArray view = w5.get(new NDIndex(":, :, {}", k - 1));
        NDArray w = view.duplicate();
        view.close();
        w5.close();
        return new VaeConv(w, p.get("bias", out), 1, (k - 1) / 2);
    }

    /** An {@code nn.Conv2d(in, out, k, stride, padding)}. */
    static VaeConv conv2d(VaeParams p, long in, long out, int k, int stride, int padding) {
        return new VaeConv(p.get("weight", out, in, k, k), p.get("bias", out), stride, padding);
    }

    /** x: [N, in, H, W] → [N, out, H', W']. */
    NDArray forward(NDArray x) {
        return x.getNDArrayInternal().convolution(x, weight, bias, stride, padding, DILATION, 1).singletonOrThrow();
    }

    long outChannels() {
        return weight.getShape().get(0);
    }
}
