package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** {@code torch.nn.functional.scaled_dot_product_attention} through the {@link TorchOps} file. */
public final class FusedAttention implements Attention {
    private final TorchOps ops;

    public FusedAttention(TorchOps ops) {
        this.ops = ops;
    }

    @Override
    public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask) {
        if (keyMask == null) {
            return ops.call("sdpa", q, k, v);
        }
        long b = q.getShape().get(0);
        long sk = k.getShape().get(2);
        return Scopes.one(() -> {
            NDArray m = keyMask.toType(DataType.BOOLEAN, false).reshape(b, 1, 1, sk);
            return ops.call("sdpa_masked", q, k, v, m);
        });
    }

    @Override
    public String name() {
        return "fused";
    }
}
