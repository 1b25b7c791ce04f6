package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scaled dot-product attention, {@code softmax(q k^T / sqrt(d) + mask) v}, no dropout, not causal.
 * Shapes: q {@code [B, H, Sq, D]}, k and v {@code [B, H, Sk, D]}; result {@code [B, H, Sq, D]} in q's dtype.
 */
public interface Attention {
    /**
     * @param keyMask boolean {@code [B, Sk]}: {@code true} = attend, {@code false} = masked out; {@code null} = attend
     *                to every key. A query whose keys are all masked gets NaN rows (as torch's SDPA).
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask);

    /** A short name for logs and parity lines ({@code eager}, {@code fused}). */
    String name();
}
