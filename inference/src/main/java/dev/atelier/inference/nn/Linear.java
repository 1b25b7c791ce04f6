package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code y = x W^T + b} (torch.nn.Linear). The weight is kept as stored: {@code [out, in]}.
 * Formats with other storage (fp8 scaled, GGUF blocks, LoRA adapters) implement {@link #weight()} differently
 * behind the same {@link #forward(NDArray)}.
 *
 * <p>Streaming (transformer blocks that do not fit the VRAM budget): {@link #offload} moves the stored arrays to
 * host memory once; {@link #fetch} copies them to the device before the layer runs and {@link #evict} frees the
 * device copies after it. The layer must be fetched while it runs.
 */
public class Linear {
    /** The stored weight (for quantised layers: the stored 8-bit form); null while streamed and not fetched. */
    protected NDArray weight;
    protected NDArray bias;
    private NDArray hostWeight;
    private NDArray hostBias;
    private final long[] shape;
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
        this(weight, bias, weight.getShape().getShape());
    }

    /** For subclasses whose stored weight's shape is not the logical {@code [out, in]} (or not readable by DJL). */
    protected Linear(NDArray weight, NDArray bias, long[] outIn) {
        this.weight = weight;
        this.bias = bias;
        this.shape = outIn.clone();
    }

    /** Binds {@code <scope>.weight [out, in]} and, if {@code withBias}, {@code <scope>.bias [out]}. */
    public static Linear load(Weights w, long in, long out, boolean withBias) {
        Linear l = w.linearFactory() == null ? null : w.linearFactory().create(w, in, out, withBias);
        if (l == null) {
            l = new Linear(w.get("weight", out, in), withBias ? w.get("bias", out) : null);
        }
        w.register(l);
        return l;
    }

    public static Linear load(Weights w, long in, long out) {
        return load(w, in, out, true);
    }

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        if (weight == null) {
            throw new IllegalStateException("streamed Linear " + java.util.Arrays.toString(shape)
                    + " ran without being fetched to the device first");
        }
        NDArray y = base(x);
        for (Adapter a : adapters) {
            NDArray d = a.delta(x);
            NDArray sum = y.add(d);
            d.close();
            y.close();
            y = sum;
        }
        return y;
    }

    /** {@code x W^T + b} without adapters; quantised layers override it. */
    protected NDArray base(NDArray x) {
        return linear(x, weight, bias);
    }

    /**
     * {@code x W^T + b} as one GEMM with the bias in its epilogue (torch's addmm), for x of any rank. DJL's linear goes
     * through libtorch's C++ {@code torch::nn::functional::linear}, which for 3-D input runs a matmul and then a
     * separate broadcast {@code add_} (a strided, non-vectorised kernel: 12 per block, ~43 ms of a 1024² edit forward
     * on the H100); flattening to 2-D first takes its addmm path, as PyTorch's {@code F.linear} does.
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        ai.djl.ndarray.types.Shape s = x.getShape();
        int d = s.dimension();
        if (d <= 2 || bias == null) {
            return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
        }
        long in = s.get(d - 1);
        try (NDArray x2 = x.reshape(-1, in); NDArray y2 = ai.djl.nn.core.Linear.linear(x2, weight, bias)
                .singletonOrThrow()) {
            long[] out = s.getShape().clone(); // getShape() is the Shape's own array
            out[d - 1] = weight.getShape().get(0);
            return y2.reshape(out);
        }
    }

    /** The dtype the layer computes in (activations and LoRA adapters use it). */
    public DataType computeType() {
        return weight.getDataType();
    }

    // ------------------------------------------------------------------ streaming

    /** Bytes of the stored arrays (weight in its stored form + bias). */
    public long storedBytes() {
        NDArray w = weight != null ? weight : hostWeight;
        NDArray b = bias != null ? bias : hostBias;
        return storedWeightBytes(w) + (b == null ? 0 : b.size() * b.getDataType().getNumOfBytes());
    }

    protected long storedWeightBytes(NDArray w) {
        return w.size() * w.getDataType().getNumOfBytes();
    }

    public boolean streamed() {
        return hostWeight != null;
    }

    /** Moves the stored arrays to host memory ({@code toHost} makes the host copy); the device copies are closed. */
    public synchronized void offload(UnaryOperator<NDArray> toHost) {
        if (hostWeight != null) {
            return;
        }
        hostWeight = toHost.apply(weight);
        weight.close();
        weight = null;
        if (bias != null) {
            hostBias = toHost.apply(bias);
            bias.close();
            bias = null;
        }
    }

    /** Copies the host arrays to the device ({@code toDevice}); no-op when resident or already fetched. */
    public synchronized void fetch(UnaryOperator<NDArray> toDevice) {
        if (hostWeight == null || weight != null) {
            return;
        }
        weight = toDevice.apply(hostWeight);
        bias = hostBias == null ? null : toDevice.apply(hostBias);
    }

    /** Frees the device copies of a streamed layer (the host arrays stay). */
    public synchronized void evict() {
        if (hostWeight == null) {
            return;
        }
        if (weight != null) {
            weight.close();
            weight = null;
        }
        if (bias != null) {
            bias.close();
            bias = null;
        }
    }

    /**
     * Makes this layer use {@code w} / {@code b} (views into a larger fused tensor, same shape and dtype) instead of
     * its own arrays, which are closed. For plain resident layers only (projection fusing).
     */
    public synchronized void shareWeight(NDArray w, NDArray b) {
        if (getClass() != Linear.class || streamed() || weight == null) {
            throw new IllegalStateException("only a plain resident Linear can share a fused weight");
        }
        weight.close();
        weight = w;
        if (bias != null) {
            bias.close();
        }
        bias = b;
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
        if (weight == null || streamed()) {
            throw new IllegalStateException("cannot merge into a streamed layer: attach the LoRA at run time instead");
        }
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
        return shape[1];
    }

    public long outFeatures() {
        return shape[0];
    }
}
