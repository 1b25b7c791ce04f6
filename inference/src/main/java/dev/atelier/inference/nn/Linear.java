package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;

/**
 * {@code y = x W^T + b} (torch.nn.Linear). The weight is kept as stored: {@code [out, in]}.
 * Formats with other storage (fp8 scaled, GGUF blocks, LoRA adapters) implement {@link #weight()} differently
 * behind the same {@link #forward(NDArray)}.
 */
public class Linear {
    protected final NDArray weight;
    protected final NDArray bias;

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Binds {@code <scope>.weight [out, in]} and, if {@code withBias}, {@code <scope>.bias [out]}. */
    public static Linear load(Weights w, long in, long out, boolean withBias) {
        return new Linear(w.get("weight", out, in), withBias ? w.get("bias", out) : null);
    }

    public static Linear load(Weights w, long in, long out) {
        return load(w, in, out, true);
    }

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight(), bias).singletonOrThrow();
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
