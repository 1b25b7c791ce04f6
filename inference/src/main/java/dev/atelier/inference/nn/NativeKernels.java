package dev.atelier.inference.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * {@link Kernels} on Atelier's CUDA kernels ({@link AtelierNative}): one kernel per chain (norm + modulation, gated
 * residual, qk norm + RoPE written straight into the joint [text, image] tensor), each at its memory-traffic floor,
 * no TorchScript interpreter between Java and the launch. Same formulas and rounding points as the diffusers code
 * each method of {@link Kernels} names. Anything the kernels do not take (CPU arrays, other dtypes, RMS norm with its
 * separate rounding) goes to the {@code fallback}.
 */
public final class NativeKernels implements Kernels {
    private final Kernels fallback;
    private volatile boolean enabled = true;
    /** {@code -Datelier.kernels.gelu=false}: GEMM then a separate GELU kernel (to measure the epilogue). */
    private final boolean geluEpilogue = !"false".equalsIgnoreCase(System.getProperty("atelier.kernels.gelu", ""));

    private NativeKernels(Kernels fallback) {
        this.fallback = fallback;
    }

    /** Native kernels in front of {@code fallback} on a GPU when the library is loaded, else {@code fallback}. */
    public static Kernels wrap(Kernels fallback, Device device) {
        if (!device.isGpu() || !AtelierNative.available()) {
            return fallback;
        }
        return new NativeKernels(fallback);
    }

    /** Turns the native kernels off (everything goes to the fallback) or back on; for benchmarks and checks. */
    public void enable(boolean on) {
        this.enabled = on;
    }

    public boolean enabled() {
        return enabled;
    }

    public Kernels fallback() {
        return fallback;
    }

    private boolean use(NDArray x) {
        if (!enabled || !x.getDevice().isGpu()) {
            return false;
        }
        DataType t = x.getDataType();
        return t == DataType.BFLOAT16 || t == DataType.FLOAT16 || t == DataType.FLOAT32;
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        return fallback.rmsNorm(x, weight, eps);
    }

    @Override
    public NDArray normModulate(NDArray x, NDArray shift, NDArray scale, float eps) {
        if (!use(x)) {
            return fallback.normModulate(x, shift, scale, eps);
        }
        long s = x.getShape().get(1);
        return AtelierNative.wrap(x, AtelierNative.normModulate(AtelierNative.h(x), AtelierNative.h(shift),
                AtelierNative.h(scale), AtelierNative.h(shift), AtelierNative.h(scale), s, eps));
    }

    @Override
    public NDArray normModulateSplit(NDArray x, NDArray shift0, NDArray scale0, NDArray shift1, NDArray scale1,
            long split, float eps) {
        if (!use(x)) {
            return fallback.normModulateSplit(x, shift0, scale0, shift1, scale1, split, eps);
        }
        return AtelierNative.wrap(x, AtelierNative.normModulate(AtelierNative.h(x), AtelierNative.h(shift0),
                AtelierNative.h(scale0), AtelierNative.h(shift1), AtelierNative.h(scale1), split, eps));
    }

    @Override
    public NDArray gatedAdd(NDArray x, NDArray gate, NDArray y) {
        if (!use(x)) {
            return fallback.gatedAdd(x, gate, y);
        }
        long s = x.getShape().get(1);
        return AtelierNative.wrap(x, AtelierNative.gatedAdd(AtelierNative.h(x), AtelierNative.h(gate),
                AtelierNative.h(gate), AtelierNative.h(y), s));
    }

    @Override
    public NDArray gatedAddSplit(NDArray x, NDArray gate0, NDArray gate1, NDArray y, long split) {
        if (!use(x)) {
            return fallback.gatedAddSplit(x, gate0, gate1, y, split);
        }
        return AtelierNative.wrap(x, AtelierNative.gatedAdd(AtelierNative.h(x), AtelierNative.h(gate0),
                AtelierNative.h(gate1), AtelierNative.h(y), split));
    }

    @Override
    public NDArray qkNormRope(NDArray x, NDArray weight, float eps, NDArray cos, NDArray sin) {
        if (!use(x)) {
            return fallback.qkNormRope(x, weight, eps, cos, sin);
        }
        NDArray out = AtelierNative.wrap(x, AtelierNative.emptyTokens(AtelierNative.h(x), x.getShape().get(1)));
        AtelierNative.qkNormRopeInto(AtelierNative.h(x), AtelierNative.h(weight), eps, AtelierNative.h(cos),
                AtelierNative.h(sin), AtelierNative.h(out), 0);
        return out;
    }

    @Override
    public NDArray qkNormRopeJoint(NDArray txt, NDArray txtWeight, NDArray txtCos, NDArray txtSin, NDArray img,
            NDArray imgWeight, NDArray imgCos, NDArray imgSin, float eps) {
        if (!use(img) || txt.getDataType() != img.getDataType()) {
            return fallback.qkNormRopeJoint(txt, txtWeight, txtCos, txtSin, img, imgWeight, imgCos, imgSin, eps);
        }
        long st = txt.getShape().get(1);
        NDArray out = AtelierNative.wrap(img,
                AtelierNative.emptyTokens(AtelierNative.h(img), st + img.getShape().get(1)));
        AtelierNative.qkNormRopeInto(AtelierNative.h(txt), AtelierNative.h(txtWeight), eps, AtelierNative.h(txtCos),
                AtelierNative.h(txtSin), AtelierNative.h(out), 0);
        AtelierNative.qkNormRopeInto(AtelierNative.h(img), AtelierNative.h(imgWeight), eps, AtelierNative.h(imgCos),
                AtelierNative.h(imgSin), AtelierNative.h(out), st);
        return out;
    }

    /**
     * One cuBLASLt GEMM with bias and GELU(tanh) in its epilogue for plain resident layers without adapters (the GELU
     * is applied to the float32 accumulator before the single rounding, where diffusers rounds the GEMM output first).
     */
    @Override
    public NDArray linearGeluTanh(Linear l, NDArray x) {
        if (!geluEpilogue || !use(x) || x.getDataType() == DataType.FLOAT32 || l.getClass() != Linear.class || !l.adapters().isEmpty()
                || l.bias() == null || l.weight() == null) {
            return fallback.linearGeluTanh(l, x);
        }
        return AtelierNative.wrap(x, AtelierNative.linearGelu(AtelierNative.h(x), AtelierNative.h(l.weight()),
                AtelierNative.h(l.bias())));
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        return use(x) ? AtelierNative.wrap(x, AtelierNative.geluTanh(AtelierNative.h(x))) : fallback.geluTanh(x);
    }

    @Override
    public NDArray silu(NDArray x) {
        return use(x) ? AtelierNative.wrap(x, AtelierNative.silu(AtelierNative.h(x))) : fallback.silu(x);
    }

    @Override
    public String name() {
        return enabled ? "native+" + fallback.name() : fallback.name();
    }
}
