package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.Scopes;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;

/**
 * diffusers {@code FeedForward(dim, dim_out=dim, activation_fn="gelu-approximate")}: net.0.proj → GELU(tanh) →
 * net.2. The hidden size is read from the weights (4 × dim in Qwen-Image).
 *
 * <p>Ported from diffusers src/diffusers/models/attention.py (FeedForward) and activations.py (GELU)
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class FeedForward {
    private final Linear proj;
    private final Linear out;

    private FeedForward(Linear proj, Linear out) {
        this.proj = proj;
        this.out = out;
    }

    /** {@code w}: the {@code img_mlp} / {@code txt_mlp} scope. */
    public static FeedForward load(Weights w, int dim) {
        long hidden = w.shape("net.0.proj.weight")[0];
        return new FeedForward(Linear.load(w.pp("net").pp(0).pp("proj"), dim, hidden),
                Linear.load(w.pp("net").pp(2), hidden, dim));
    }

    public NDArray forward(NDArray x, Kernels k) {
        return Scopes.one(() -> {
            NDArray y = out.forward(k.linearGeluTanh(proj, x));
            return y;
        });
    }
}
