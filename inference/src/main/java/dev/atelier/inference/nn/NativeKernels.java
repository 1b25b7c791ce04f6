package dev.atelier.inference.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.function.Supplier;

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
    private volatile boolean warned;
    /** {@code -Datelier.kernels.gelu=false}: GEMM then a separate GELU kernel (to measure the epilogue). */
    private final boolean geluEpilogue = !"false".equalsIgnoreCase(System.getProperty("atelier.kernels.gelu", ""));
    /** The value projections written into the joint tensor (no concat); {@code -Datelier.kernels.jointV=false}. */
    private final boolean jointV = !"false".equalsIgnoreCase(System.getProperty("atelier.kernels.jointV", ""));
    /**
     * A block's residual add and the next half's norm + modulation in one kernel; {@code
     * -Datelier.kernels.residualNorm=false}: the two kernels in turn.
     */
    private final boolean residualNorm =
            !"false".equalsIgnoreCase(System.getProperty("atelier.kernels.residualNorm", ""));

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

    /**
     * The native result, or the fallback's when the kernels are off for {@code x} or refuse its layout (their argument
     * checks throw IllegalArgumentException before any launch). Other failures (CUDA out of memory included)
     * propagate: the engine's OOM policy handles those.
     */
    private NDArray call(NDArray x, Supplier<NDArray> nat, Supplier<NDArray> fb) {
        if (!use(x)) {
            return fb.get();
        }
        try {
            return nat.get();
        } catch (IllegalArgumentException e) {
            refused(e);
            return fb.get();
        }
    }

    private void refused(IllegalArgumentException e) {
        if (!warned) {
            warned = true;
            System.err.println("note: a native kernel refused its input (" + e.getMessage()
                    + "); that call takes the ops file");
        }
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        return fallback.rmsNorm(x, weight, eps);
    }

    @Override
    public NDArray normModulate(NDArray x, NDArray shift, NDArray scale, float eps) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.normModulate(AtelierNative.h(x),
                AtelierNative.h(shift), AtelierNative.h(scale), AtelierNative.h(shift), AtelierNative.h(scale),
                x.getShape().get(1), eps)), () -> fallback.normModulate(x, shift, scale, eps));
    }

    @Override
    public NDArray normModulateSplit(NDArray x, NDArray shift0, NDArray scale0, NDArray shift1, NDArray scale1,
            long split, float eps) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.normModulate(AtelierNative.h(x),
                AtelierNative.h(shift0), AtelierNative.h(scale0), AtelierNative.h(shift1), AtelierNative.h(scale1), split,
                eps)), () -> fallback.normModulateSplit(x, shift0, scale0, shift1, scale1, split, eps));
    }

    @Override
    public NDArray gatedAdd(NDArray x, NDArray gate, NDArray y) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.gatedAdd(AtelierNative.h(x), AtelierNative.h(gate),
                AtelierNative.h(gate), AtelierNative.h(y), x.getShape().get(1))), () -> fallback.gatedAdd(x, gate, y));
    }

    @Override
    public NDArray gatedAddSplit(NDArray x, NDArray gate0, NDArray gate1, NDArray y, long split) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.gatedAdd(AtelierNative.h(x), AtelierNative.h(gate0),
                AtelierNative.h(gate1), AtelierNative.h(y), split)), () -> fallback.gatedAddSplit(x, gate0, gate1, y, split));
    }

    @Override
    public NDArray[] gatedAddNormModulate(NDArray x, NDArray gate0, NDArray gate1, NDArray y, NDArray shift0,
            NDArray scale0, NDArray shift1, NDArray scale1, long split, float eps) {
        if (!residualNorm || !use(x)) {
            return Kernels.super.gatedAddNormModulate(x, gate0, gate1, y, shift0, scale0, shift1, scale1, split, eps);
        }
        boolean one = split < 0;
        try {
            long[] h = AtelierNative.gatedAddNormModulate(AtelierNative.h(x), AtelierNative.h(gate0),
                    AtelierNative.h(one ? gate0 : gate1), AtelierNative.h(y), AtelierNative.h(shift0),
                    AtelierNative.h(scale0), AtelierNative.h(one ? shift0 : shift1),
                    AtelierNative.h(one ? scale0 : scale1), one ? x.getShape().get(1) : split, eps);
            return new NDArray[] {AtelierNative.wrap(x, h[0]), AtelierNative.wrap(x, h[1])};
        } catch (IllegalArgumentException e) {
            refused(e);
            return Kernels.super.gatedAddNormModulate(x, gate0, gate1, y, shift0, scale0, shift1, scale1, split, eps);
        }
    }

    @Override
    public NDArray qkNormRope(NDArray x, NDArray weight, float eps, NDArray cos, NDArray sin) {
        return call(x, () -> {
            NDArray out = AtelierNative.wrap(x, AtelierNative.emptyTokens(AtelierNative.h(x), x.getShape().get(1)));
            AtelierNative.qkNormRopeInto(AtelierNative.h(x), AtelierNative.h(weight), eps, AtelierNative.h(cos),
                    AtelierNative.h(sin), AtelierNative.h(out), 0);
            return out;
        }, () -> fallback.qkNormRope(x, weight, eps, cos, sin));
    }

    @Override
    public NDArray qkNormRopeJoint(NDArray txt, NDArray txtWeight, NDArray txtCos, NDArray txtSin, NDArray img,
            NDArray imgWeight, NDArray imgCos, NDArray imgSin, float eps) {
        Supplier<NDArray> fb = () -> fallback.qkNormRopeJoint(txt, txtWeight, txtCos, txtSin, img, imgWeight, imgCos,
                imgSin, eps);
        if (txt.getDataType() != img.getDataType()) {
            return fb.get();
        }
        return call(img, () -> {
            long st = txt.getShape().get(1);
            NDArray out = AtelierNative.wrap(img,
                    AtelierNative.emptyTokens(AtelierNative.h(img), st + img.getShape().get(1)));
            AtelierNative.qkNormRopeInto(AtelierNative.h(txt), AtelierNative.h(txtWeight), eps, AtelierNative.h(txtCos),
                    AtelierNative.h(txtSin), AtelierNative.h(out), 0);
            AtelierNative.qkNormRopeInto(AtelierNative.h(img), AtelierNative.h(imgWeight), eps, AtelierNative.h(imgCos),
                    AtelierNative.h(imgSin), AtelierNative.h(out), st);
            return out;
        }, fb);
    }

    /**
     * One cuBLASLt GEMM with bias and GELU(tanh) in its epilogue for plain resident layers without adapters (the GELU
     * is applied to the float32 accumulator before the single rounding, where diffusers rounds the GEMM output first).
     */
    @Override
    public NDArray linearGeluTanh(Linear l, NDArray x) {
        if (!geluEpilogue || !use(x) || x.getDataType() == DataType.FLOAT32 || !plain(l)) {
            return fallback.linearGeluTanh(l, x);
        }
        return AtelierNative.wrap(x, AtelierNative.linearGelu(AtelierNative.h(x), AtelierNative.h(l.weight()),
                AtelierNative.h(l.bias())));
    }

    /** Half-precision activations on the GPU, both layers {@link #plain}. */
    @Override
    public boolean linearJointInPlace(Linear a, Linear b, NDArray x) {
        return jointV && use(x) && x.getDataType() != DataType.FLOAT32 && plain(a) && plain(b);
    }

    /** A plain Linear without adapters whose weight and bias are on the device now (resident or streamed in). */
    private static boolean plain(Linear l) {
        return l.getClass() == Linear.class && l.adapters().isEmpty() && l.bias() != null && l.weight() != null;
    }

    @Override
    public NDArray linearJoint(Linear a, NDArray xa, Linear b, NDArray xb) {
        if (!linearJointInPlace(a, b, xa)) {
            return fallback.linearJoint(a, xa, b, xb);
        }
        return call(xa, () -> AtelierNative.wrap(xa, AtelierNative.linearJoint(AtelierNative.h(xa),
                AtelierNative.h(a.weight()), AtelierNative.h(a.bias()), AtelierNative.h(xb), AtelierNative.h(b.weight()),
                AtelierNative.h(b.bias()))), () -> fallback.linearJoint(a, xa, b, xb));
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.geluTanh(AtelierNative.h(x))),
                () -> fallback.geluTanh(x));
    }

    @Override
    public NDArray silu(NDArray x) {
        return call(x, () -> AtelierNative.wrap(x, AtelierNative.silu(AtelierNative.h(x))), () -> fallback.silu(x));
    }

    @Override
    public String name() {
        return enabled ? "native+" + fallback.name() : fallback.name();
    }
}
