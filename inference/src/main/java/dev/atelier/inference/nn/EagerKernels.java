package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link Kernels} as plain DJL ops (any engine, any device); one torch kernel per op. */
public final class EagerKernels implements Kernels {
    private final NDArray one;
    private final NDArray half;
    private final NDArray geluC;
    private final NDArray geluK;
    private final NDManager cpuScalars;
    private final Map<Float, NDArray> epsScalars = new ConcurrentHashMap<>();

    /** {@code cpuScalars}: a CPU manager owning the scalars (see the device README on scalars). */
    public EagerKernels(NDManager cpuScalars) {
        this.one = cpuScalars.create(1f);
        this.half = cpuScalars.create(0.5f);
        this.geluC = cpuScalars.create((float) Math.sqrt(2.0 / Math.PI));
        this.geluK = cpuScalars.create(0.044715f);
        this.cpuScalars = cpuScalars;
    }

    /** A cached CPU scalar (made outside any NDScope's reach, it lives as long as {@code cpuScalars}). */
    private NDArray scalar(float v) {
        return epsScalars.computeIfAbsent(v, k -> {
            NDArray a = cpuScalars.create(k);
            NDScope.unregister(a);
            return a;
        });
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        return Scopes.one(() -> {
            return RmsNorm.apply(x, weight, scalar(eps));
        });
    }

    private static NDArray layerNorm(NDArray x, float eps) {
        long d = x.getShape().getLastDimension();
        return Scopes.one(() -> {
            NDManager m = x.getManager();
            NDArray g = m.ones(new Shape(d), x.getDataType());
            NDArray b = m.zeros(new Shape(d), x.getDataType());
            return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(d), g, b, eps).singletonOrThrow();
        });
    }

    private NDArray modulate(NDArray n, NDArray shift, NDArray scale) {
        return n.mul(scale.expandDims(1).add(one)).add(shift.expandDims(1));
    }

    @Override
    public NDArray normModulate(NDArray x, NDArray shift, NDArray scale, float eps) {
        return Scopes.one(() -> {
            return modulate(layerNorm(x, eps), shift, scale);
        });
    }

    @Override
    public NDArray normModulateSplit(NDArray x, NDArray shift0, NDArray scale0, NDArray shift1, NDArray scale1,
            long split, float eps) {
        return Scopes.one(() -> {
            NDArray n = layerNorm(x, eps);
            NDArray a = modulate(n.get(new NDIndex(":, :{}", split)), shift0, scale0);
            NDArray b = modulate(n.get(new NDIndex(":, {}:", split)), shift1, scale1);
            return NDArrays.concat(new NDList(a, b), 1);
        });
    }

    @Override
    public NDArray gatedAdd(NDArray x, NDArray gate, NDArray y) {
        return Scopes.one(() -> {
            return x.add(gate.expandDims(1).mul(y));
        });
    }

    @Override
    public NDArray gatedAddSplit(NDArray x, NDArray gate0, NDArray gate1, NDArray y, long split) {
        return Scopes.one(() -> {
            NDIndex first = new NDIndex(":, :{}", split);
            NDIndex rest = new NDIndex(":, {}:", split);
            NDArray a = x.get(first).add(gate0.expandDims(1).mul(y.get(first)));
            NDArray b = x.get(rest).add(gate1.expandDims(1).mul(y.get(rest)));
            return NDArrays.concat(new NDList(a, b), 1);
        });
    }

    @Override
    public NDArray qkNormRope(NDArray x, NDArray weight, float eps, NDArray cos, NDArray sin) {
        Shape sh = x.getShape();
        long bsz = sh.get(0);
        long seq = sh.get(1);
        long heads = sh.get(2);
        long d = sh.get(3);
        return Scopes.one(() -> {
            NDArray h = rmsNorm(x, weight, eps).toType(DataType.FLOAT32, false);
            NDArray pairs = h.reshape(bsz, seq, heads, d / 2, 2);
            NDArray re = pairs.get(new NDIndex("..., 0"));
            NDArray im = pairs.get(new NDIndex("..., 1"));
            NDArray c = cos.reshape(seq, 1, d / 2);
            NDArray sn = sin.reshape(seq, 1, d / 2);
            NDArray outRe = re.mul(c).sub(im.mul(sn));
            NDArray outIm = re.mul(sn).add(im.mul(c));
            return NDArrays.stack(new NDList(outRe, outIm), 4).reshape(sh).toType(x.getDataType(), false);
        });
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        return Scopes.one(() -> {
            NDArray inner = x.add(x.mul(x).mul(x).mul(geluK)).mul(geluC).tanh();
            return x.mul(half).mul(inner.add(one));
        });
    }

    @Override
    public NDArray silu(NDArray x) {
        return Scopes.one(() -> {
            return x.mul(ai.djl.nn.Activation.sigmoid(x));
        });
    }

    @Override
    public String name() {
        return "eager";
    }
}
