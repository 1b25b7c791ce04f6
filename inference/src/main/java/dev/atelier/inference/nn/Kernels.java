package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * The elementwise and normalisation chains of a DiT block, behind one interface so they can run as DJL ops
 * ({@link EagerKernels}) or as fused torch kernels from the ops file ({@link FusedKernels}). Every method follows
 * the diffusers formula named in its comment; results keep the input's dtype.
 */
public interface Kernels {
    /** diffusers RMSNorm: {@code (x * rsqrt(mean(x², -1) + eps)).to(w.dtype) * w}, variance in float32. */
    NDArray rmsNorm(NDArray x, NDArray weight, float eps);

    /** {@code layer_norm(x) * (1 + scale[:, None]) + shift[:, None]}; x {@code [B, L, D]}, shift/scale {@code [B, D]}. */
    NDArray normModulate(NDArray x, NDArray shift, NDArray scale, float eps);

    /** As {@link #normModulate} with tokens {@code [0, split)} modulated by set 0 and the rest by set 1. */
    NDArray normModulateSplit(NDArray x, NDArray shift0, NDArray scale0, NDArray shift1, NDArray scale1, long split,
            float eps);

    /** {@code x + gate[:, None] * y}. */
    NDArray gatedAdd(NDArray x, NDArray gate, NDArray y);

    /** As {@link #gatedAdd} with tokens {@code [0, split)} gated by gate0 and the rest by gate1. */
    NDArray gatedAddSplit(NDArray x, NDArray gate0, NDArray gate1, NDArray y, long split);

    /**
     * The residual after one half of a block and the next half's modulated input:
     * {@code {x1 = x + gate * y, normModulate(x1, shift, scale)}}, with the second sets for tokens from {@code split}
     * on ({@code split < 0}: the first sets everywhere). The caller owns both results.
     */
    default NDArray[] gatedAddNormModulate(NDArray x, NDArray gate0, NDArray gate1, NDArray y, NDArray shift0,
            NDArray scale0, NDArray shift1, NDArray scale1, long split, float eps) {
        if (split < 0) {
            NDArray x1 = gatedAdd(x, gate0, y);
            return new NDArray[] {x1, normModulate(x1, shift0, scale0, eps)};
        }
        NDArray x1 = gatedAddSplit(x, gate0, gate1, y, split);
        return new NDArray[] {x1, normModulateSplit(x1, shift0, scale0, shift1, scale1, split, eps)};
    }

    /**
     * RMS norm over the head dim, then rotary embedding on interleaved pairs {@code (2i, 2i+1)} computed in float32
     * (the complex product of diffusers' {@code apply_rotary_emb_qwen}). x {@code [B, S, H, D]}, cos/sin float32
     * {@code [S, D/2]}.
     */
    NDArray qkNormRope(NDArray x, NDArray weight, float eps, NDArray cos, NDArray sin);

    /**
     * {@link #qkNormRope} of two streams joined along tokens in argument order (the transformer passes text then
     * image, or image then text for per-sample attention over a valid-key prefix): {@code [B, S1 + S2, H, D]}.
     */
    default NDArray qkNormRopeJoint(NDArray txt, NDArray txtWeight, NDArray txtCos, NDArray txtSin, NDArray img,
            NDArray imgWeight, NDArray imgCos, NDArray imgSin, float eps) {
        try (NDArray t = qkNormRope(txt, txtWeight, eps, txtCos, txtSin);
                NDArray i = qkNormRope(img, imgWeight, eps, imgCos, imgSin)) {
            return NDArrays.concat(new NDList(t, i), 1);
        }
    }

    /** GELU (tanh) of {@code l.forward(x)}: the MLP's first layer and activation. */
    default NDArray linearGeluTanh(Linear l, NDArray x) {
        return geluTanh(l.forward(x));
    }

    /**
     * Whether {@link #linearJoint} writes both projections straight into one tensor here; when not, callers keep their
     * own order of work (an fp8 layer reuses its quantised input only while the next layer has the same input).
     */
    default boolean linearJointInPlace(Linear a, Linear b, NDArray x) {
        return false;
    }

    /** {@code [B, Sa + Sb, N]}: {@code a(xa)} then {@code b(xb)} along the tokens (the joint value tensor). */
    default NDArray linearJoint(Linear a, NDArray xa, Linear b, NDArray xb) {
        return NDArrays.concat(new NDList(a.forward(xa), b.forward(xb)), 1);
    }

    /** GELU, tanh approximation. */
    NDArray geluTanh(NDArray x);

    NDArray silu(NDArray x);

    String name();
}
