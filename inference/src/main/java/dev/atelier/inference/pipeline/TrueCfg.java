package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * True classifier-free guidance with the norm rescale of the Qwen-Image pipelines:
 * {@code comb = uncond + s (cond - uncond)}, then {@code comb · ‖cond‖ / ‖comb‖} per token (norm over features).
 */
public final class TrueCfg {
    private TrueCfg() {}

    /** cond, uncond: [B, L, F]; {@code scale} a CPU scalar array (see the device README on scalars). */
    public static NDArray combine(NDArray cond, NDArray uncond, NDArray scale) {
        NDArray comb = uncond.add(cond.sub(uncond).mul(scale));
        NDArray condNorm = cond.square().sum(new int[] {-1}, true).sqrt();
        NDArray combNorm = comb.square().sum(new int[] {-1}, true).sqrt();
        return comb.mul(condNorm.div(combNorm));
    }
}
