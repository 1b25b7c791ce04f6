package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.atelier.inference.nn.Attention;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.Scopes;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;

/**
 * {@code attn} of a block: joint attention over [text, image] tokens. Each stream has its own Q/K/V projections
 * (image: to_q/to_k/to_v, text: add_q_proj/add_k_proj/add_v_proj), per-head RMS norm of Q and K, RoPE on both
 * streams, then one attention over the concatenation and separate output projections (to_out.0, to_add_out).
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py
 * (QwenDoubleStreamAttnProcessor2_0) @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class QwenDoubleStreamAttention {
    static final float EPS = 1e-6f;

    private final int heads;
    private final int headDim;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear addQProj;
    private final Linear addKProj;
    private final Linear addVProj;
    private final Linear toOut;
    private final Linear toAddOut;
    private final NDArray normQ;
    private final NDArray normK;
    private final NDArray normAddedQ;
    private final NDArray normAddedK;

    /** Fused [3·inner, dim] q/k/v weights of each stream (views shared with the Linears), or null. */
    private NDArray[] imgQkv;
    private NDArray[] txtQkv;

    private QwenDoubleStreamAttention(int heads, int headDim, Linear[] l, NDArray[] n) {
        this.heads = heads;
        this.headDim = headDim;
        this.toQ = l[0];
        this.toK = l[1];
        this.toV = l[2];
        this.addQProj = l[3];
        this.addKProj = l[4];
        this.addVProj = l[5];
        this.toOut = l[6];
        this.toAddOut = l[7];
        this.normQ = n[0];
        this.normK = n[1];
        this.normAddedQ = n[2];
        this.normAddedK = n[3];
    }

    /** {@code w}: the {@code transformer_blocks.N.attn} scope. */
    public static QwenDoubleStreamAttention load(Weights w, int dim, int heads, int headDim) {
        int inner = heads * headDim;
        Linear[] l = {
            Linear.load(w.pp("to_q"), dim, inner), Linear.load(w.pp("to_k"), dim, inner),
            Linear.load(w.pp("to_v"), dim, inner), Linear.load(w.pp("add_q_proj"), dim, inner),
            Linear.load(w.pp("add_k_proj"), dim, inner), Linear.load(w.pp("add_v_proj"), dim, inner),
            Linear.load(w.pp("to_out").pp(0), inner, dim), Linear.load(w.pp("to_add_out"), inner, dim),
        };
        NDArray[] n = {
            w.get("norm_q.weight", headDim), w.get("norm_k.weight", headDim),
            w.get("norm_added_q.weight", headDim), w.get("norm_added_k.weight", headDim),
        };
        return new QwenDoubleStreamAttention(heads, headDim, l, n);
    }

    /**
     * Concatenates each stream's q/k/v weights into one [3·inner, dim] matrix (one GEMM instead of three at 8k
     * tokens); the three Linears keep working as views into it (LoRA merge writes through, adapters and streaming
     * fall back to the separate path). Only plain resident bf16/f32 layers are fused; returns whether it fused.
     */
    public synchronized boolean fuseProjections() {
        if (imgQkv != null) {
            return true;
        }
        for (Linear l : new Linear[] {toQ, toK, toV, addQProj, addKProj, addVProj}) {
            if (l.getClass() != Linear.class || l.streamed() || l.bias() == null) {
                return false;
            }
        }
        imgQkv = fuse(toQ, toK, toV);
        txtQkv = fuse(addQProj, addKProj, addVProj);
        return true;
    }

    public synchronized boolean projectionsFused() {
        return imgQkv != null;
    }

    private static NDArray[] fuse(Linear q, Linear k, Linear v) {
        NDManager m = q.weight().getManager();
        NDArray w = NDArrays.concat(new NDList(q.weight(), k.weight(), v.weight()), 0);
        NDArray b = NDArrays.concat(new NDList(q.bias(), k.bias(), v.bias()), 0);
        w.attach(m);
        b.attach(m);
        NDScope.unregister(w, b);
        long n = q.outFeatures();
        Linear[] ls = {q, k, v};
        for (int i = 0; i < 3; i++) {
            NDArray wv = w.get(new NDIndex("{}:{}", i * n, (i + 1) * n));
            NDArray bv = b.get(new NDIndex("{}:{}", i * n, (i + 1) * n));
            wv.attach(m);
            bv.attach(m);
            NDScope.unregister(wv, bv);
            ls[i].shareWeight(wv, bv);
        }
        return new NDArray[] {w, b};
    }

    /** q, k, v of one stream ([B, S, inner] each): one GEMM when fused and no adapter is attached, else three. */
    private NDArray[] qkv(NDArray x, NDArray[] fused, Linear q, Linear k, Linear v) {
        if (fused != null && q.adapters().isEmpty() && k.adapters().isEmpty() && v.adapters().isEmpty()) {
            NDArray y = Linear.linear(x, fused[0], fused[1]);
            long n = q.outFeatures();
            return new NDArray[] {y.get(NDIndex.sliceAxis(2, 0, n)), y.get(NDIndex.sliceAxis(2, n, 2 * n)),
                y.get(NDIndex.sliceAxis(2, 2 * n, 3 * n))};
        }
        return new NDArray[] {q.forward(x), k.forward(x), v.forward(x)};
    }

    /**
     * @param img       modulated image stream [B, Si, D]
     * @param txt       modulated text stream [B, St, D]
     * @param jointMask boolean [B, St + Si] (text first) or null
     * @return {image output [B, Si, D], text output [B, St, D]}
     */
    public NDArray[] forward(NDArray img, NDArray txt, NDArray jointMask, QwenEmbedRope.Freqs rope, Kernels k,
            Attention attention) {
        return forward(img, txt, jointMask, null, rope, k, attention);
    }

    /**
     * As {@link #forward(NDArray, NDArray, NDArray, QwenEmbedRope.Freqs, Kernels, Attention)}; with
     * {@code textLengths} (each prompt's valid tokens first, padding after) attention runs per sample over its valid
     * keys and no mask: the joint sequence is laid out [image, text] so that those keys are a prefix (a view, no
     * copy). Same result as the masked attention for every query row, padded ones included: a key mask only removes
     * keys, and the order of keys does not change attention. This keeps padded batches (the CFG pair) on the fused
     * kernels that take no mask.
     */
    public NDArray[] forward(NDArray img, NDArray txt, NDArray jointMask, long[] textLengths,
            QwenEmbedRope.Freqs rope, Kernels k, Attention attention) {
        long b = img.getShape().get(0);
        long si = img.getShape().get(1);
        long st = txt.getShape().get(1);
        if (textLengths != null && textLengths.length != b) {
            throw new IllegalArgumentException("text lengths for " + textLengths.length + " samples, batch is " + b);
        }
        boolean imageFirst = textLengths != null;
        return Scopes.many(() -> {
            // the value projections straight into the joint tensor where the kernels can (no concat of 52 MB)
            boolean jointV = imgQkv == null && txtQkv == null && k.linearJointInPlace(toV, addVProj, img);
            Stream image = new Stream(jointV ? new NDArray[] {toQ.forward(img), toK.forward(img), null}
                    : qkv(img, imgQkv, toQ, toK, toV), normQ, normK, rope.imgCos(), rope.imgSin());
            Stream text = new Stream(jointV ? new NDArray[] {addQProj.forward(txt), addKProj.forward(txt), null}
                    : qkv(txt, txtQkv, addQProj, addKProj, addVProj), normAddedQ, normAddedK, rope.txtCos(),
                    rope.txtSin());
            Stream first = imageFirst ? image : text;
            Stream second = imageFirst ? text : image;
            // [B, S, H, Dh] per stream -> joint [B, S1 + S2, H, Dh] -> [B, H, S, Dh]
            NDArray q = k.qkNormRopeJoint(heads(first.qkv[0]), first.normQ, first.cos, first.sin,
                    heads(second.qkv[0]), second.normQ, second.cos, second.sin, EPS).transpose(0, 2, 1, 3);
            NDArray key = k.qkNormRopeJoint(heads(first.qkv[1]), first.normK, first.cos, first.sin,
                    heads(second.qkv[1]), second.normK, second.cos, second.sin, EPS).transpose(0, 2, 1, 3);
            NDArray v = (jointV ? heads(imageFirst ? k.linearJoint(toV, img, addVProj, txt)
                    : k.linearJoint(addVProj, txt, toV, img))
                    : NDArrays.concat(new NDList(heads(first.qkv[2]), heads(second.qkv[2])), 1)).transpose(0, 2, 1, 3);
            NDArray o;  // [B, S, H, Dh]
            if (textLengths == null) {
                o = attention.attend(q, key, v, jointMask).transpose(0, 2, 1, 3);
            } else {
                NDList outs = new NDList();
                for (int i = 0; i < b; i++) {
                    long valid = si + textLengths[i]; // [image, valid text] is a prefix of the keys
                    NDArray qi = q.get(NDIndex.sliceAxis(0, i, i + 1));
                    NDArray ki = key.get(new NDIndex().addSliceDim(i, i + 1).addAllDim().addSliceDim(0, valid));
                    NDArray vi = v.get(new NDIndex().addSliceDim(i, i + 1).addAllDim().addSliceDim(0, valid));
                    outs.add(attention.attend(qi, ki, vi, null).transpose(0, 2, 1, 3));
                }
                o = b == 1 ? outs.singletonOrThrow() : NDArrays.concat(outs, 0);
            }
            o = o.reshape(b, st + si, (long) heads * headDim);
            long s1 = imageFirst ? si : st;
            NDArray o1 = o.get(NDIndex.sliceAxis(1, 0, s1));
            NDArray o2 = o.get(NDIndex.sliceAxis(1, s1, st + si));
            NDArray imgOut = toOut.forward(imageFirst ? o1 : o2);
            NDArray txtOut = toAddOut.forward(imageFirst ? o2 : o1);
            return new NDArray[] {imgOut, txtOut};
        });
    }

    /** One stream's q/k/v projections with its QK-norm weights and RoPE tables. */
    private record Stream(NDArray[] qkv, NDArray normQ, NDArray normK, NDArray cos, NDArray sin) {}

    private NDArray heads(NDArray x) {
        return x.reshape(x.getShape().get(0), x.getShape().get(1), heads, headDim);
    }
}
