package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Attention with DJL ops only. Queries are processed in chunks so the score matrix of one chunk stays under
 * {@code maxScoreElements} (memory bounded whatever the sequence length); each chunk's intermediates are freed in
 * an {@link NDScope}.
 */
public final class EagerAttention implements Attention {
    /** Default score budget: 2^26 elements (256 MB in float32). */
    public static final long DEFAULT_MAX_SCORE_ELEMENTS = 1L << 26;

    private final NDManager cpuScalars;
    private final long maxScoreElements;

    public EagerAttention(NDManager cpuScalars) {
        this(cpuScalars, DEFAULT_MAX_SCORE_ELEMENTS);
    }

    public EagerAttention(NDManager cpuScalars, long maxScoreElements) {
        this.cpuScalars = cpuScalars;
        this.maxScoreElements = maxScoreElements;
    }

    @Override
    public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask) {
        long b = q.getShape().get(0);
        long h = q.getShape().get(1);
        long sq = q.getShape().get(2);
        long d = q.getShape().get(3);
        long sk = k.getShape().get(2);
        NDArray scale = cpuScalars.create((float) (1.0 / Math.sqrt(d)));
        long chunk = Math.max(1, Math.min(sq, maxScoreElements / Math.max(1, b * h * sk)));
        return Scopes.one(() -> {
            NDList parts = new NDList();
            NDArray kt = k.transpose(0, 1, 3, 2);
            NDArray bias = null;
            if (keyMask != null) {
            NDArray m = keyMask.toType(DataType.BOOLEAN, false).reshape(b, 1, 1, sk);
            // DJL's where does not broadcast: full-size operands ([B, 1, 1, Sk], small)
            NDArray zero = q.getManager().zeros(m.getShape(), q.getDataType());
            NDArray neg = q.getManager().full(m.getShape(), Float.NEGATIVE_INFINITY, q.getDataType());
            bias = NDArrays.where(m, zero, neg);
            }
            for (long s = 0; s < sq; s += chunk) {
            long e = Math.min(sq, s + chunk);
            NDArray part;
            try (NDScope inner = new NDScope()) {
                NDArray qc = chunk >= sq ? q : q.get(new NDIndex(":, :, {}:{}", s, e));
                NDArray scores = qc.matMul(kt).mul(scale);
                if (bias != null) {
                    scores = scores.add(bias);
                }
                part = scores.softmax(-1).matMul(v);
                NDScope.unregister(part);
            }
            parts.add(part);
            }
            NDArray out = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2);
            if (parts.size() > 1) {
            parts.close();
            }
            return out;
        });
    }

    @Override
    public String name() {
        return "eager";
    }
}
