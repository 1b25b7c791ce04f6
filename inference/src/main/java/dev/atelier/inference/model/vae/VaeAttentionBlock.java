package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * {@code QwenImageAttentionBlock}: single-head self-attention over the {@code H*W} positions of each frame, with a
 * channel RMS norm in front, 1×1 convolutions for qkv and the projection, and a residual.
 *
 * <p>{@code F.scaled_dot_product_attention} is computed as {@code softmax(q k^T / sqrt(C)) v} in chunks of query rows:
 * each row's softmax is over all keys, so chunking changes nothing but the peak memory (the full score matrix of a
 * 2048² image would be 65536² values).
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code QwenImageAttentionBlock}).
 */
final class VaeAttentionBlock implements VaeLayer {
    private final long dim;
    private final ChannelRmsNorm norm;
    private final VaeConv toQkv;
    private final VaeConv proj;
    private final NDArray scale;
    private final long scoreBytes;

    /**
     * @param scalars    CPU manager owning the softmax scale scalar
     * @param scoreBytes largest score block (bytes) materialised at once
     */
    VaeAttentionBlock(VaeParams p, long dim, NDManager scalars, long scoreBytes) {
        this.dim = dim;
        norm = ChannelRmsNorm.load(p.pp("norm"), dim, true);
        toQkv = VaeConv.conv2d(p.pp("to_qkv"), dim, dim * 3, 1, 1, 0);
        proj = VaeConv.conv2d(p.pp("proj"), dim, dim, 1, 1, 0);
        scale = scalars.create((float) (1.0 / Math.sqrt(dim)));
        this.scoreBytes = scoreBytes;
    }

    /** x: [N, C, H, W] → same. */
    @Override
    public NDArray forward(NDArray x) {
        long n = x.getShape().get(0);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        long len = h * w;
        NDArray attended;
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray t = norm.forward(x);
            t.attach(m);
            NDArray qkv = toQkv.forward(t);
            qkv.attach(m);
            t.close();
            // [N, 3C, L] -> [N, L, 3C]; chunk(3, dim=-1) gives q, k, v of [N, L, C]
            NDArray seq = qkv.reshape(n, 3 * dim, len).transpose(0, 2, 1);
            NDArray q = seq.get(new NDIndex(":, :, 0:{}", dim));
            NDArray kT = seq.get(new NDIndex(":, :, {}:{}", dim, 2 * dim)).transpose(0, 2, 1);
            NDArray v = seq.get(new NDIndex(":, :, {}:", 2 * dim));
            long bytesPerRow = Math.max(1, n * len * x.getDataType().getNumOfBytes() * 2);
            long chunk = Math.max(1, Math.min(len, scoreBytes / bytesPerRow));
            NDList parts = new NDList();
            for (long s = 0; s < len; s += chunk) {
                long e = Math.min(len, s + chunk);
                NDArray qc = q.get(new NDIndex(":, {}:{}, :", s, e)).mul(scale);
                NDArray scores = qc.matMul(kT);
                qc.close();
                NDArray probs = scores.softmax(-1);
                scores.close();
                parts.add(probs.matMul(v));
                probs.close();
            }
            NDArray o = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
            // [N, L, C] -> [N, C, H, W]
            NDArray img = o.transpose(0, 2, 1).reshape(n, dim, h, w);
            attended = proj.forward(img);
            attended.attach(x.getManager());
        }
        return attended.addi(x);
    }
}
