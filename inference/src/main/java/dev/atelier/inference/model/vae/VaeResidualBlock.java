package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;

/**
 * {@code QwenImageResidualBlock}: {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + shortcut(x)}; dropout is the
 * identity at inference. The causal convolutions see a single frame (see {@link VaeConv}).
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageResidualBlock}).
 */
final class VaeResidualBlock implements VaeLayer {
    private final ChannelRmsNorm norm1;
    private final VaeConv conv1;
    private final ChannelRmsNorm norm2;
    private final VaeConv conv2;
    private final VaeConv convShortcut;

    VaeResidualBlock(VaeParams p, long inDim, long outDim) {
        norm1 = ChannelRmsNorm.load(p.pp("norm1"), inDim, false);
        conv1 = VaeConv.causal(p.pp("conv1"), inDim, outDim, 3);
        norm2 = ChannelRmsNorm.load(p.pp("norm2"), outDim, false);
        conv2 = VaeConv.causal(p.pp("conv2"), outDim, outDim, 3);
        convShortcut = inDim != outDim ? VaeConv.causal(p.pp("conv_shortcut"), inDim, outDim, 1) : null;
    }

    /** x: [N, in, H, W] → [N, out, H, W]. */
    @Override
    public NDArray forward(NDArray x) {
        NDArray t = VaeLayer.siluInPlace(norm1.forward(x));
        NDArray c = conv1.forward(t);
        t.close();
        t = VaeLayer.siluInPlace(norm2.forward(c));
        c.close();
        NDArray out = conv2.forward(t);
        t.close();
        if (convShortcut == null) {
            return out.addi(x);
        }
        try (NDArray h = convShortcut.forward(x)) {
            return out.addi(h);
        }
    }
}
