package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.DType;
import dev.atelier.inference.io.Floats;
import java.util.Locale;

/**
 * How fp8 weights kept 8-bit on the device become matmuls, for one device, fp8 format and compute dtype.
 *
 * <ul>
 *   <li>{@link Mode#PACKED} (ops file with the fp8 methods): the stored bytes are turned once, at load, into a real
 *       {@code float8_e4m3fn}/{@code e5m2} tensor through a 256-entry table ({@code lut[code].to(float8)}, exact: every
 *       fp8 value is a bf16 value). DJL has no fp8 dtype, so that tensor is opaque on the Java side (its dtype is never
 *       read; only the ops file touches it). Per layer: {@code F.linear(x, w8.to(bf16) * scale, b)}
 *       ({@code fp8_linear}), or with {@link #scaledMm} on sm_89+ {@code torch._scaled_mm} with row-wise fp8
 *       activations ({@code fp8_linear_mm}, an approximation: see packaging/ops/make_ops.py for its measured error).</li>
 *   <li>{@link Mode#LUT} (no ops file, or a CPU/old libtorch): the bytes stay a uint8 array and each forward
 *       dequantises {@code lut[code] * scale} in the compute dtype with DJL ops, then a plain linear.</li>
 * </ul>
 * LoRA adapters run on top in the compute dtype (never requantised). The CPU loaders keep today's float32 dequant at
 * load; this codec is what a GPU model (or a test of the GPU path on the CPU) uses.
 */
public final class Fp8Codec implements AutoCloseable {
    /** Activations need at least this many rows before the fp8 matmul pays (the modulation layers have 2). */
    public static final long SCALED_MM_MIN_ROWS = 64;

    public enum Mode { PACKED, LUT }

    private final DType format;
    private final DataType computeType;
    private final NDManager manager;
    private final NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu());
    private final NDArray lut;
    private final TorchOps ops;
    private final Mode mode;
    private volatile boolean scaledMm;
    /** Cleared when the native fp8 matmul fails once (e.g. a card without fp8 tensor cores). */
    /** Rows up to which {@link #linear} reads the 8-bit weight directly (Atelier's GEMV kernel). */
    static final long GEMV_MAX_ROWS = 16;
    private volatile boolean nativeGemv = !"off".equalsIgnoreCase(System.getProperty("atelier.kernels", ""));
    private final Object quantLock = new Object();
    private java.lang.ref.WeakReference<NDArray> lastInput = new java.lang.ref.WeakReference<>(null);
    private NDArray lastQ;
    private NDArray lastScale;
    private volatile boolean nativeMm = !"off".equalsIgnoreCase(System.getProperty("atelier.kernels", ""));
    private volatile Scaling scaling = Scaling.fromProperty();
    /**
     * Fast accumulation (no periodic float32 promotion inside the fp8 tensor-core loop): measured on an H100 at the
     * block's shapes, 1.1-1.3x faster per GEMM and 10 % per forward, with the same error as the promoted one (0.0266
     * vs 0.0266-0.0267 relative RMS per layer, 0.0385 per forward against the dequantised bf16 matmul):
     * packaging/bench/results. {@code -Datelier.fp8.fastAccum=false} turns it off.
     */
    private volatile boolean fastAccum = Boolean.parseBoolean(System.getProperty("atelier.fp8.fastAccum", "true"));

    /**
     * How the native fp8 matmul scales the activations: one scale per row ({@code _scaled_mm}'s row-wise CUTLASS
     * kernel; the default, fastest with fast accumulation on an H100) or one for the whole tensor (cuBLASLt's fp8
     * GEMM; a two-pass amax + quantise). {@code -Datelier.fp8.scaling=row|tensor}.
     */
    public enum Scaling {
        ROW, TENSOR;

        static Scaling fromProperty() {
            String v = System.getProperty("atelier.fp8.scaling", DEFAULT_SCALING.name());
            try {
                return valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("note: -Datelier.fp8.scaling=" + v + " is not row or tensor; using "
                        + DEFAULT_SCALING.name().toLowerCase(Locale.ROOT));
                return DEFAULT_SCALING;
            }
        }
    }

    static final Scaling DEFAULT_SCALING = Scaling.ROW;

    private Fp8Codec(DType format, DataType computeType, NDManager manager, NDArray lut, TorchOps ops, Mode mode) {
        this.format = format;
        this.computeType = computeType;
        this.manager = manager;
        this.lut = lut;
        this.ops = ops;
        this.mode = mode;
    }

    /**
     * A codec on {@code parent}'s device. {@code ops} may be null (then {@link Mode#LUT}); with ops, the packed mode is
     * used when the file has the fp8 methods and they run here (checked once on a tiny tensor), else LUT.
     * {@code -Datelier.fp8.mode=lut} forces the table path; {@code -Datelier.fp8.mm=auto|true|false} the fp8 matmul
     * (auto: on with Atelier's native kernels on an fp8-capable card, see {@link #nativeFp8MatmulWorks}).
     */
    public static Fp8Codec create(DType format, DataType computeType, NDManager parent, TorchOps ops) {
        if (format != DType.F8_E4M3 && format != DType.F8_E5M2) {
            throw new IllegalArgumentException("not an fp8 format: " + format);
        }
        NDManager m = parent.newSubManager();
        float[] table = Floats.fp8Table(format);
        NDArray lut32 = m.create(table, new Shape(256));
        NDArray lut = computeType == DataType.FLOAT32 ? lut32 : lut32.toType(computeType, false);
        Mode mode = Mode.LUT;
        boolean forceLut = "lut".equalsIgnoreCase(System.getProperty("atelier.fp8.mode", ""));
        if (ops != null && !forceLut && packedWorks(ops, m, lut, format)) {
            mode = Mode.PACKED;
        }
        Fp8Codec c = new Fp8Codec(format, computeType, m, lut, ops, mode);
        String mm = System.getProperty("atelier.fp8.mm", "auto");
        boolean e4m3Packed = mode == Mode.PACKED && format == DType.F8_E4M3;
        c.scaledMm = e4m3Packed && (Boolean.parseBoolean(mm)
                || "auto".equalsIgnoreCase(mm) && nativeFp8MatmulWorks(parent.getDevice()));
        return c;
    }

    /**
     * The fp8 matmul is on by default where it pays and stays close: Atelier's kernels library is loaded (one kernel
     * quantises the activations per row; the ops-file variant is slower than the bf16 path) and the card has fp8
     * tensor cores (compute capability 8.9+: RTX 40xx, L40, H100 and newer). It costs ~2.7 % RMS per layer against
     * the dequantised bf16 product (packaging/bench/results): a speed tier, like the fp8 weights themselves. bf16
     * weights never use it. {@code -Datelier.fp8.mm=false} turns it off, {@code =true} forces it (also the ops file).
     */
    static boolean nativeFp8MatmulWorks(ai.djl.Device device) {
        if (!device.isGpu() || !AtelierNative.available()) {
            return false;
        }
        try {
            return AtelierNative.capability(device.getDeviceId()) >= 89;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static boolean packedWorks(TorchOps ops, NDManager m, NDArray lut, DType format) {
        try (NDManager t = m.newSubManager()) {
            NDArray codes = t.create(new byte[] {0x38, (byte) 0xB8, 0x40, 0x30}, new Shape(2, 2))
                    .toType(DataType.UINT8, false);
            NDArray packed = ops.call("fp8_pack", codes, lut, format == DType.F8_E5M2);
            packed.attach(t);
            NDArray x = t.ones(new Shape(1, 2), lut.getDataType());
            NDArray y = ops.call("fp8_linear", x, packed, 1.0, lut, false);
            return y.getShape().equals(new Shape(1, 2));
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Mode mode() {
        return mode;
    }

    public DType format() {
        return format;
    }

    public DataType computeType() {
        return computeType;
    }

    /** Turns the fp8 matmul ({@code torch._scaled_mm}) on or off (packed e4m3 only; ignored otherwise). */
    public void useScaledMm(boolean on) {
        this.scaledMm = on && mode == Mode.PACKED && format == DType.F8_E4M3;
    }

    /** The activation scaling and accumulation of the native fp8 matmul (for benchmarks; the default is measured). */
    public void useScaling(Scaling s, boolean fastAccumulation) {
        synchronized (quantLock) {
            if (s != scaling) {
                dropQuantized();
            }
            this.scaling = s;
            this.fastAccum = fastAccumulation;
        }
    }

    /** Drops the kept quantised activations (the next call quantises again); for benchmarks. */
    public void forgetQuantized() {
        synchronized (quantLock) {
            dropQuantized();
        }
    }

    public Scaling scaling() {
        return scaling;
    }

    /** Turns Atelier's fp8 GEMV for a few rows on (default, when the kernels are loaded) or off; for benchmarks. */
    public void useNativeGemv(boolean on) {
        this.nativeGemv = on;
    }

    public boolean scaledMm() {
        return scaledMm;
    }

    /**
     * The stored form of a weight from its fp8 bytes as a uint8 array on the device: PACKED → the opaque fp8 tensor
     * (the uint8 array is closed), LUT → the uint8 array itself.
     */
    public NDArray store(NDArray codes) {
        if (mode == Mode.LUT) {
            return codes;
        }
        NDArray packed = ops.call("fp8_pack", codes, lut, format == DType.F8_E5M2);
        packed.attach(codes.getManager());
        ai.djl.ndarray.NDScope.unregister(packed);
        codes.close();
        return packed;
    }

    /**
     * The per-tensor scale as a CPU 0-dim float32 made once per layer: torch treats it like a Python number (no device
     * copy, no dtype promotion of bf16 weights).
     */
    public synchronized NDArray scaleScalar(float scale) {
        return cpu.create(scale);
    }

    /**
     * The weight scale as a float32 {@code [1, out]} row on the device, for the native fp8 matmul ({@code scale_b} of
     * {@code torch._scaled_mm}); the caller keeps it for the layer's lifetime.
     */
    public NDArray scaleRow(float scale, long out) {
        NDArray r = manager.full(new Shape(1, out), scale, DataType.FLOAT32);
        ai.djl.ndarray.NDScope.unregister(r);
        return r;
    }

    /**
     * x quantised to e4m3 ({q, scale}; per row or per tensor, see {@link Scaling}), computed once for consecutive
     * layers fed the same input (q, k and v of a stream): the last result is kept, owned by this codec, until another
     * input comes. Inputs are never written in place between those calls in the models.
     */
    private NDArray[] quantized(NDArray x) {
        synchronized (quantLock) {
            if (lastInput.get() == x && !x.isReleased() && lastQ != null) {
                return new NDArray[] {lastQ, lastScale};
            }
            dropQuantized();
            long[] h = AtelierNative.fp8Quantize(AtelierNative.h(x), scaling == Scaling.TENSOR);
            lastQ = AtelierNative.wrap(manager, h[0]);
            lastScale = AtelierNative.wrap(manager, h[1]);
            ai.djl.ndarray.NDScope.unregister(lastQ, lastScale);
            lastInput = new java.lang.ref.WeakReference<>(x);
            return new NDArray[] {lastQ, lastScale};
        }
    }

    private void dropQuantized() {
        if (lastQ != null) {
            lastQ.close();
            lastScale.close();
            lastQ = null;
            lastScale = null;
        }
        lastInput = new java.lang.ref.WeakReference<>(null);
    }

    /** Whether {@link #linear} would take Atelier's native fp8 matmul for {@code x} against an [out, in] weight. */
    private boolean nativeMm(NDArray x, long rows, long in, long out) {
        return scaledMm && nativeMm && rows >= SCALED_MM_MIN_ROWS && in % 16 == 0 && out % 16 == 0
                && x.getDevice().isGpu() && x.getDataType() == DataType.BFLOAT16 && AtelierNative.available();
    }

    /**
     * As {@link #linear(NDArray, NDArray, float, NDArray, NDArray)}; with the fp8 matmul on, takes Atelier's native
     * path (Atelier's kernel quantises the activations, then {@code torch._scaled_mm}) when the kernels library is
     * loaded, using {@code scaleRow} (from {@link #scaleRow}, made on first use).
     */
    public NDArray linear(NDArray x, NDArray stored, float scale, NDArray scaleScalar, NDArray bias,
            java.util.function.Supplier<NDArray> scaleRow) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        long rows = s.size() / in;
        if (nativeGemv && rows <= GEMV_MAX_ROWS && in % 16 == 0 && x.getDevice().isGpu()
                && (x.getDataType() == DataType.BFLOAT16 || x.getDataType() == DataType.FLOAT16)
                && AtelierNative.available()) {
            // the modulation layers (2-4 rows): dequantising the whole weight per call cost ~0.3 ms each
            try {
                return AtelierNative.wrap(x, AtelierNative.fp8Gemv(AtelierNative.h(x), AtelierNative.h(stored), scale,
                        format == DType.F8_E5M2, bias == null ? 0 : AtelierNative.h(bias)));
            } catch (RuntimeException e) {
                if (dev.atelier.inference.runtime.OomPolicy.classify(e).isPresent()) {
                    throw e;
                }
                nativeGemv = false;
                System.err.println("note: native fp8 GEMV failed (" + e.getMessage() + "); dequantising instead");
            }
        }
        if (mode == Mode.PACKED) {
            long out = stored.getShape().get(0);
            while (nativeMm(x, rows, in, out)) {
                Scaling tried = scaling;
                try {
                    NDArray[] qs = quantized(x);
                    return AtelierNative.wrap(x, AtelierNative.fp8Mm(AtelierNative.h(x), AtelierNative.h(qs[0]),
                            AtelierNative.h(qs[1]), AtelierNative.h(stored), AtelierNative.h(scaleRow.get()),
                            bias == null ? 0 : AtelierNative.h(bias), fastAccum));
                } catch (RuntimeException e) {
                    if (dev.atelier.inference.runtime.OomPolicy.classify(e).isPresent()) {
                        throw e; // the engine's OOM policy retries with a tighter plan
                    }
                    if (tried == Scaling.ROW) {
                        // torch's row-wise fp8 GEMM is a Hopper kernel; Ada cards (RTX 40xx) have cuBLASLt's tensor-wise
                        useScaling(Scaling.TENSOR, fastAccum);
                        System.err.println("note: row-wise fp8 matmul failed (" + firstLine(e)
                                + "); trying tensor-wise scales");
                        continue;
                    }
                    nativeMm = false;
                    System.err.println("note: native fp8 matmul failed (" + firstLine(e)
                            + "); using the ops file's fp8 path from now on");
                }
            }
        }
        return linear(x, stored, scale, scaleScalar, bias);
    }

    private static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** {@code x (w·scale)^T + b} with {@code w} in its stored form; {@code scaleScalar} from {@link #scaleScalar}. */
    public NDArray linear(NDArray x, NDArray stored, float scale, NDArray scaleScalar, NDArray bias) {
        if (mode == Mode.PACKED) {
            long rows = x.getShape().size() / x.getShape().get(x.getShape().dimension() - 1);
            boolean opsMm = scaledMm && rows >= SCALED_MM_MIN_ROWS
                    && Boolean.parseBoolean(System.getProperty("atelier.fp8.mm", "auto"));
            String method = opsMm ? "fp8_linear_mm" : "fp8_linear";
            return ops.call(method, x, stored, (double) scale, bias != null ? bias : lut, bias != null);
        }
        try (NDArray w = dequantize(stored, scale, scaleScalar)) {
            return Linear.linear(x, w, bias);
        }
    }

    /** {@code lut[w] * scale} in the compute dtype, shape of the weight (LUT mode, or packed via the ops file). */
    public NDArray dequantize(NDArray stored, float scale, NDArray scaleScalar) {
        if (mode == Mode.PACKED) {
            return ops.call("fp8_dequant", lut, stored, (double) scale);
        }
        NDManager m = stored.getManager();
        try (NDArray idx = stored.toType(DataType.INT64, false); NDArray v = lut.take(m, idx)) {
            return v.mul(scaleScalar);
        }
    }

    @Override
    public void close() {
        synchronized (quantLock) {
            dropQuantized();
        }
        cpu.close();
        manager.close();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "fp8 %s → %s, %s%s", format, computeType, mode, scaledMm ? " + fp8 matmul" : "");
    }
}
