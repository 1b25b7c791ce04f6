package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Runs a computation in its own {@link NDScope} and hands the result to the caller's scope: every intermediate is
 * freed when the body returns, the result is registered in the enclosing scope (if any), so it is freed with that
 * scope unless the caller lets it escape in turn. ({@link NDScope#unregister} alone would leave the result in no
 * scope at all, a leak inside a caller's scope.)
 */
public final class Scopes {
    private Scopes() {}

    public static NDArray one(Supplier<NDArray> body) {
        NDArray out;
        try (NDScope s = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    public static NDArray[] many(Supplier<NDArray[]> body) {
        NDArray[] out;
        try (NDScope s = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        for (NDArray a : out) {
            NDScope.register(a);
        }
        return out;
    }
}
