package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;

/** Small pieces shared by the Qwen2.5-VL vision tower and language model. */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py
final class QwenVlOps {
    private QwenVlOps() {}

    /** SwiGLU MLP: {@code down(silu(gate(x)) * up(x))} (Qwen2_5_VLMLP with bias, Qwen2MLP without). */
    record Mlp(Linear gate, Linear up, Linear down) {
        static Mlp load(Weights w, int hidden, int inter, boolean bias) {
            return new Mlp(Linear.load(w.pp("gate_proj"), hidden, inter, bias),
                    Linear.load(w.pp("up_proj"), hidden, inter, bias),
                    Linear.load(w.pp("down_proj"), inter, hidden, bias));
        }

        NDArray forward(NDArray x) {
            NDArray g = gate.forward(x);
            return down.forward(silu(g).mul(up.forward(x)));
        }
    }

    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code cat(-x2, x1)} over the last axis. */
    static NDArray rotateHalf(NDArray x) {
        long d = x.getShape().getLastDimension();
        NDArray x1 = x.get(new NDIndex("..., :{}", d / 2));
        NDArray x2 = x.get(new NDIndex("..., {}:", d / 2));
        return NDArrays.concat(new ai.djl.ndarray.NDList(x2.neg(), x1), -1);
    }

    /** {@code x * cos + rotate_half(x) * sin}. */
    static NDArray applyRope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(rotateHalf(x).mul(sin));
    }

    /** {@code 1 / theta^(arange(0, dim, 2) / dim)} computed in float32 as torch does; host copy. */
    static float[] invFreq(int dim, double theta, NDManager cpu) {
        try (NDManager m = cpu.newSubManager()) {
            NDArray exponent = m.arange(0, dim, 2, DataType.FLOAT32).div(m.create((float) dim));
            NDArray base = m.full(exponent.getShape(), (float) theta, DataType.FLOAT32);
            return m.create(1f).div(base.pow(exponent)).toFloatArray();
        }
    }

    /**
     * softmax(q k^T * scale + mask) v with the softmax in float32 (eager attention).
     * q: [..., Lq, d], k/v: [..., Lk, d], mask additive and broadcastable to [..., Lq, Lk] or {@code null}.
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray scale, NDArray mask) {
        NDArray scores = q.matMul(k.swapAxes(-1, -2)).mul(scale);
        if (mask != null) {
            scores = scores.add(mask);
        }
        DataType dt = q.getDataType();
        NDArray probs = dt == DataType.FLOAT32 ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(dt, false);
        return probs.matMul(v);
    }

    /** Lowest finite value of a float type (torch.finfo(dtype).min), the reference's masked-out score. */
    static float lowest(DataType dt) {
        return switch (dt) {
            case FLOAT16 -> -65504f;
            case BFLOAT16 -> -3.3895313892515355e38f;
            default -> -Float.MAX_VALUE;
        };
    }
}
