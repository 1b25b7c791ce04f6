package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * RMS norm over the last axis: {@code x * rsqrt(mean(x², -1) + eps) * weight}, the variance computed in float32 as
 * diffusers' and transformers' RMSNorm do.
 */
public final class RmsNorm {
    private final NDArray weight;
    private final NDArray eps;

    /** {@code cpuScalars}: a CPU manager that owns the eps scalar (see the device README on scalars). */
    public RmsNorm(NDArray weight, float eps, NDManager cpuScalars) {
        this.weight = weight;
        this.eps = cpuScalars.create(eps);
    }

    public static RmsNorm load(Weights w, long dim, float eps, NDManager cpuScalars) {
        return new RmsNorm(w.get("weight", dim), eps, cpuScalars);
    }

    /** x: [..., dim]. */
    public NDArray forward(NDArray x) {
        return apply(x, weight, eps);
    }

    /**
     * The formula on its own, for callers that hold the weight elsewhere; {@code eps} is a 0-dim CPU scalar,
     * {@code weight} may be null (no affine).
     */
    public static NDArray apply(NDArray x, NDArray weight, NDArray eps) {
        DataType in = x.getDataType();
        NDArray xf = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray variance = xf.square().mean(new int[] {-1}, true);
        NDArray normed = xf.div(variance.add(eps).sqrt());
        if (weight == null) {
            return normed.toType(in, false);
        }
        return normed.toType(weight.getDataType(), false).mul(weight);
    }

    public NDArray weight() {
        return weight;
    }
}
