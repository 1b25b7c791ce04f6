package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A prompt as the transformer takes it: embeddings {@code [1, L, D]} and the text mask {@code [1, L]} (int64), or a
 * {@code null} mask when every token is real (diffusers' {@code encode_prompt} returns {@code None} then).
 */
public record Conditioning(NDArray embeds, NDArray mask) {
    public long length() {
        return embeds.getShape().get(1);
    }

    /**
     * cond and uncond as one batch of 2 for a single forward: the shorter prompt is right-padded with zero rows and
     * mask 0 (the transformer excludes masked text tokens from the joint attention, and the text RoPE positions of
     * the real tokens do not depend on the padded length). The mask is {@code null} only if neither needs one.
     */
    public static Conditioning batch(Conditioning a, Conditioning b) {
        long len = Math.max(a.length(), b.length());
        if (a.mask == null && b.mask == null && a.length() == b.length()) {
            return new Conditioning(NDArrays.concat(new NDList(a.embeds, b.embeds), 0), null);
        }
        NDArray ea = padTo(a.embeds, len);
        NDArray eb = padTo(b.embeds, len);
        NDArray ma = padMask(a, len);
        NDArray mb = padMask(b, len);
        return new Conditioning(NDArrays.concat(new NDList(ea, eb), 0), NDArrays.concat(new NDList(ma, mb), 0));
    }

    private static NDArray padTo(NDArray e, long len) {
        Shape s = e.getShape();
        if (s.get(1) == len) {
            return e;
        }
        NDArray zeros = e.getManager().zeros(new Shape(s.get(0), len - s.get(1), s.get(2)), e.getDataType());
        return e.concat(zeros, 1);
    }

    private static NDArray padMask(Conditioning c, long len) {
        long b = c.embeds.getShape().get(0);
        NDArray m = c.mask != null ? c.mask.toType(DataType.INT64, false)
                : c.embeds.getManager().ones(new Shape(b, c.length()), DataType.INT64);
        if (c.length() == len) {
            return m;
        }
        return m.concat(c.embeds.getManager().zeros(new Shape(b, len - c.length()), DataType.INT64), 1);
    }
}
