package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code QwenImageDecoder3d} for one frame: {@code conv_in}, the middle block, the up blocks
 * ({@code num_res_blocks + 1} residual blocks each, then an upsampler except after the last), {@code norm_out},
 * SiLU, {@code conv_out} to image channels. Up block {@code i > 0} takes {@code in_dim // 2} channels because the
 * previous upsampler's conv halves them.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageDecoder3d}, {@code QwenImageUpBlock}).
 */
final class QwenImageDecoder {
    private final VaeConv convIn;
    private final List<VaeLayer> midBlock;
    private final List<VaeLayer> upLayers = new ArrayList<>();
    private final ChannelRmsNorm normOut;
    private final VaeConv convOut;

    QwenImageDecoder(VaeParams p, QwenImageVaeConfig c, NDManager scalars, long scoreBytes) {
        int[] dims = c.decoderDims();
        convIn = VaeConv.causal(p.pp("conv_in"), c.zDim(), dims[0], 3);
        midBlock = QwenImageEncoder.midBlock(p.pp("mid_block"), dims[0], scalars, scoreBytes);
        VaeParams up = p.pp("up_blocks");
        int outDim = dims[0];
        for (int i = 0; i < c.dimMult().length; i++) {
            int inDim = i > 0 ? dims[i] / 2 : dims[i];
            outDim = dims[i + 1];
            VaeParams block = up.pp(i);
            int current = inDim;
            for (int r = 0; r < c.numResBlocks() + 1; r++) {
                upLayers.add(new VaeResidualBlock(block.pp("resnets").pp(r), current, outDim));
                current = outDim;
            }
            if (i != c.dimMult().length - 1) {
                // upsample3d and upsample2d are the same for a single frame (see VaeResample)
                upLayers.add(VaeResample.up(block.pp("upsamplers").pp(0), outDim));
            }
        }
        normOut = ChannelRmsNorm.load(p.pp("norm_out"), outDim, false);
        convOut = VaeConv.causal(p.pp("conv_out"), outDim, c.inputChannels(), 3);
    }

    /** z: [N, z, h, w] (after {@code post_quant_conv}) → [N, 3, 8h, 8w], not clamped. The input is not closed. */
    NDArray forward(NDArray z) {
        NDArray h = convIn.forward(z);
        h = QwenImageEncoder.run(midBlock, h);
        h = QwenImageEncoder.run(upLayers, h);
        NDArray t = VaeLayer.siluInPlace(normOut.forward(h));
        h.close();
        NDArray out = convOut.forward(t);
        t.close();
        return out;
    }
}
