package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code y = x W^T + b} (torch.nn.Linear). The weight is kept as stored: {@code [out, in]}.
 * Formats with other storage (fp8 scaled, GGUF blocks, LoRA adapters) implement {@link #weight()} differently
 * behind the same {@link #forward(NDArray)}.
 */
public class Linear {
    protected final NDArray weight;
    protected final NDArray bias;
    /** Low-rank paths added to the output at run time (LoRA), in attach order; replaced, never mutated. */
    private volatile List<Adapter> adapters = List.of();

    /**
     * An extra path added to this layer's output: {@code y = x W^T + b + sum(adapter.delta(x))}. The LoRA adapter
     * computes {@code s * (x down^T) up^T} in the activation dtype (bf16 on the GPU, float32 on the CPU), so a
     * quantised base weight is never requantised.
     */
    public interface Adapter {
        NDArray delta(NDArray x);
    }

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Binds {@code <scope>.weight [out, in]} and, if {@code withBias}, {@code <scope>.bias [out]}. */
    public static Linear load(Weights w, long in, long out, boolean withBias) {
        Linear l = new Linear(w.get("weight", out, in), withBias ? w.get("bias", out) : null);
        w.register(l);
        return l;
    }

    public static Linear load(Weights w, long in, long out) {
        return load(w, in, out, true);
    }

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        NDArray y = ai.djl.nn.core.Linear.linear(x, weight(), bias).singletonOrThrow();
        for (Adapter a : adapters) {
            NDArray d = a.delta(x);
            NDArray sum = y.add(d);
            d.close();
            y.close();
            y = sum;
        }
        return y;
    }

    public List<Adapter> adapters() {
        return adapters;
    }

    public synchronized void addAdapter(Adapter a) {
        List<Adapter> next = new ArrayList<>(adapters);
        next.add(a);
        adapters = List.copyOf(next);
    }

    public synchronized boolean removeAdapter(Adapter a) {
        List<Adapter> next = new ArrayList<>(adapters);
        boolean removed = next.remove(a);
        adapters = List.copyOf(next);
        return removed;
    }

    /**
     * Adds {@code delta} ([out, in], same dtype and device as the weight) to the weight in place (LoRA merge;
     * {@code sign = -1} unmerges). Layers whose weight is kept quantised override this to refuse: a merged weight
     * is never requantised, attach the LoRA as an {@link Adapter} instead.
     */
    public void addToWeight(NDArray delta, int sign) {
        if (sign >= 0) {
            weight.addi(delta);
        } else {
            weight.subi(delta);
        }
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
