package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code QwenImageEncoder3d} for one frame: {@code conv_in}, the down path ({@code num_res_blocks} residual blocks per
 * stage, an attention block where {@code attn_scales} asks, a resample between stages), the middle block
 * (residual, attention, residual), {@code norm_out}, SiLU, {@code conv_out} to {@code 2 * z_dim} channels.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageEncoder3d}, {@code QwenImageMidBlock}).
 */
final class QwenImageEncoder {
    private final VaeConv convIn;
    private final List<VaeLayer> downBlocks = new ArrayList<>();
    private final List<VaeLayer> midBlock;
    private final ChannelRmsNorm normOut;
    private final VaeConv convOut;

    QwenImageEncoder(VaeParams p, QwenImageVaeConfig c, NDManager scalars, long scoreBytes) {
        int[] dims = c.encoderDims();
        int zOut = 2 * c.zDim();
        convIn = VaeConv.causal(p.pp("conv_in"), c.inputChannels(), dims[0], 3);
        VaeParams down = p.pp("down_blocks");
        double scale = 1.0;
        int index = 0;
        int outDim = dims[0];
        for (int i = 0; i < c.dimMult().length; i++) {
            int inDim = dims[i];
            outDim = dims[i + 1];
            for (int r = 0; r < c.numResBlocks(); r++) {
                downBlocks.add(new VaeResidualBlock(down.pp(index++), inDim, outDim));
                if (c.hasAttentionAt(scale)) {
                    downBlocks.add(new VaeAttentionBlock(down.pp(index++), outDim, scalars, scoreBytes));
                }
                inDim = outDim;
            }
            if (i != c.dimMult().length - 1) {
                // downsample3d and downsample2d are the same for a single frame (see VaeResample)
                downBlocks.add(VaeResample.down(down.pp(index++), outDim));
                scale /= 2.0;
            }
        }
        midBlock = midBlock(p.pp("mid_block"), outDim, scalars, scoreBytes);
        normOut = ChannelRmsNorm.load(p.pp("norm_out"), outDim, false);
        convOut = VaeConv.causal(p.pp("conv_out"), outDim, zOut, 3);
    }

    /** {@code QwenImageMidBlock(num_layers=1)}: resnets.0, attentions.0, resnets.1. */
    static List<VaeLayer> midBlock(VaeParams p, long dim, NDManager scalars, long scoreBytes) {
        return List.of(new VaeResidualBlock(p.pp("resnets").pp(0), dim, dim),
                new VaeAttentionBlock(p.pp("attentions").pp(0), dim, scalars, scoreBytes),
                new VaeResidualBlock(p.pp("resnets").pp(1), dim, dim));
    }

    /** x: [N, 3, H, W] in [-1, 1] → [N, 2 z, H/8, W/8] (before {@code quant_conv}). The input is not closed. */
    NDArray forward(NDArray x) {
        NDArray h = convIn.forward(x);
        h = run(downBlocks, h);
        h = run(midBlock, h);
        NDArray t = VaeLayer.siluInPlace(normOut.forward(h));
        h.close();
        NDArray out = convOut.forward(t);
        t.close();
        return out;
    }

    /** Runs layers in order, closing each intermediate (including {@code h}) once the next exists. */
    static NDArray run(List<VaeLayer> layers, NDArray h) {
        for (VaeLayer layer : layers) {
            NDArray next = layer.forward(h);
            h.close();
            h = next;
        }
        return h;
    }
}
