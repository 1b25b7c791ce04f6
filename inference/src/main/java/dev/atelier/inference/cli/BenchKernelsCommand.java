package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.DType;
import dev.atelier.inference.nn.AtelierNative;
import dev.atelier.inference.nn.Fp8Codec;
import dev.atelier.inference.nn.Fp8Linear;
import dev.atelier.inference.nn.FusedKernels;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.NativeKernels;
import dev.atelier.inference.nn.TorchOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code atelier bench kernels}: checks every kernel of Atelier's CUDA library against its fallback (the ops file's
 * reference formula) on the GPU and times both: a native kernel passes when it is within one bf16 rounding step of
 * the largest value (float32: 1e-5 relative) of the fallback everywhere. The fp8 matmul is reported as relative RMS
 * error against the float32 product of the dequantised weight (activations in fp8 cost ~3-4 %).
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Check Atelier's CUDA kernels against their fallbacks on the GPU and time both.")
final class BenchKernelsCommand implements Callable<Integer> {
    @Option(names = "--tokens", defaultValue = "8192", description = "image tokens (default ${DEFAULT-VALUE})")
    long tokens;

    @Option(names = "--split", defaultValue = "4096", description = "zero_cond_t split token (default ${DEFAULT-VALUE})")
    long split;

    @Option(names = "--dim", defaultValue = "3072")
    long dim;

    @Option(names = "--heads", defaultValue = "24")
    long heads;

    @Option(names = "--iters", defaultValue = "30")
    int iters;

    private int failures;

    @Override
    public Integer call() {
        Device dev = Device.gpu(0);
        if (!AtelierNative.available()) {
            System.out.println("RESULT kernels UNAVAILABLE " + AtelierNative.status());
            return 1;
        }
        System.out.println("kernels: " + AtelierNative.status() + ", capability sm_" + AtelierNative.capability(0));
        try (NDManager m = NDManager.newBaseManager(dev)) {
            TorchOps ops = TorchOps.load(m).orElseThrow(() -> new IllegalStateException("no ops file"));
            FusedKernels ref = new FusedKernels(ops); // the reference qk_norm_rope formula
            Kernels nat = NativeKernels.wrap(ref, dev);
            for (DataType dt : List.of(DataType.BFLOAT16, DataType.FLOAT32)) {
                elementwise(m, ref, nat, dt);
            }
            fp8(m, ops);
        }
        System.out.println("RESULT kernels checks_failed=" + failures);
        return failures == 0 ? 0 : 1;
    }

    private void elementwise(NDManager m, Kernels ref, Kernels nat, DataType dt) {
        long hd = dim / heads;
        try (NDManager t = m.newSubManager()) {
            NDArray x = t.randomNormal(0f, 1f, new Shape(1, tokens, dim), dt);
            NDArray y = t.randomNormal(0f, 1f, new Shape(1, tokens, dim), dt);
            NDArray params = t.randomNormal(0f, 0.5f, new Shape(2, 6 * dim), dt); // [t, 0] rows, 6 chunks
            NDArray sh0 = params.get(new NDIndex(":1, 0:{}", dim));
            NDArray sc0 = params.get(new NDIndex(":1, {}:{}", dim, 2 * dim));
            NDArray sh1 = params.get(new NDIndex("1:, 0:{}", dim));
            NDArray sc1 = params.get(new NDIndex("1:, {}:{}", dim, 2 * dim));
            NDArray q = t.randomNormal(0f, 1f, new Shape(1, tokens, heads, hd), dt);
            NDArray qt = t.randomNormal(0f, 1f, new Shape(1, 77, heads, hd), dt);
            NDArray w = t.randomNormal(1f, 0.1f, new Shape(hd), dt);
            NDArray ang = t.randomUniform(0f, 6.28f, new Shape(tokens, hd / 2), DataType.FLOAT32);
            NDArray cos = ang.cos();
            NDArray sin = ang.sin();
            NDArray angT = t.randomUniform(0f, 6.28f, new Shape(77, hd / 2), DataType.FLOAT32);
            NDArray cosT = angT.cos();
            NDArray sinT = angT.sin();
            String n = dt == DataType.BFLOAT16 ? "bf16" : "f32";
            compare("norm_modulate_split/" + n, dt,
                    k -> k.normModulateSplit(x, sh0, sc0, sh1, sc1, split, 1e-6f), ref, nat);
            compare("norm_modulate/" + n, dt, k -> k.normModulate(x, sh0, sc0, 1e-6f), ref, nat);
            compare("gated_add_split/" + n, dt, k -> k.gatedAddSplit(x, sh0, sh1, y, split), ref, nat);
            compare("gated_add/" + n, dt, k -> k.gatedAdd(x, sh0, y), ref, nat);
            NDArray g0 = params.get(new NDIndex(":1, {}:{}", 2 * dim, 3 * dim));
            NDArray g1 = params.get(new NDIndex("1:, {}:{}", 2 * dim, 3 * dim));
            // two chained bf16 results (the residual is rounded, then normalised and modulated): two steps allowed
            compare("gated_add_norm_mod_split/" + n, dt, k -> both(k.gatedAddNormModulate(x, g0, g1, y, sh0, sc0, sh1,
                    sc1, split, 1e-6f)), ref, nat, 2);
            compare("gated_add_norm_mod/" + n, dt, k -> both(k.gatedAddNormModulate(x, g0, g0, y, sh0, sc0, sh0, sc0,
                    -1, 1e-6f)), ref, nat, 2);
            compare("qk_norm_rope/" + n, dt, k -> k.qkNormRope(q, w, 1e-6f, cos, sin), ref, nat);
            compare("qk_norm_rope_joint/" + n, dt,
                    k -> k.qkNormRopeJoint(qt, w, cosT, sinT, q, w, cos, sin, 1e-6f), ref, nat);
            compare("gelu_tanh/" + n, dt, k -> k.geluTanh(x), ref, nat);
            NDArray fw = t.randomNormal(0f, (float) (1 / Math.sqrt(dim)), new Shape(4 * dim, dim), dt);
            NDArray fb = t.randomNormal(0f, 0.02f, new Shape(4 * dim), dt);
            dev.atelier.inference.nn.Linear fc1 = new dev.atelier.inference.nn.Linear(fw, fb);
            compare("linear_gelu_tanh/" + n, dt, k -> k.linearGeluTanh(fc1, x), ref, nat);
            dev.atelier.inference.nn.Linear va = new dev.atelier.inference.nn.Linear(
                    t.randomNormal(0f, (float) (1 / Math.sqrt(dim)), new Shape(dim, dim), dt),
                    t.randomNormal(0f, 0.02f, new Shape(dim), dt));
            dev.atelier.inference.nn.Linear vb = new dev.atelier.inference.nn.Linear(
                    t.randomNormal(0f, (float) (1 / Math.sqrt(dim)), new Shape(dim, dim), dt),
                    t.randomNormal(0f, 0.02f, new Shape(dim), dt));
            NDArray xt = t.randomNormal(0f, 1f, new Shape(1, 77, dim), dt);
            compare("linear_joint_v/" + n, dt, k -> k.linearJoint(vb, xt, va, x), ref, nat);
        }
    }

    /** Both results of a two-output chain as one array (the residual's rows, then the modulated rows). */
    private static NDArray both(NDArray[] r) {
        try (NDArray a = r[0]; NDArray b = r[1]) {
            return NDArrays.concat(new NDList(a, b), 1);
        }
    }

    /**
     * A few-millisecond check for {@code atelier doctor --smoke}: the block's chains at small bf16 shapes, native
     * against the ops file. Returns "ok ..." or "FAIL ...".
     */
    static String quickCheck(NDManager parent, TorchOps ops) {
        Device dev = parent.getDevice();
        try (NDManager t = parent.newSubManager()) {
            Kernels ref = new FusedKernels(ops);
            Kernels nat = NativeKernels.wrap(ref, dev);
            if (!(nat instanceof NativeKernels)) {
                return "FAIL the kernels are not in use: " + AtelierNative.status();
            }
            long s = 64;
            long d = 256;
            long hd = 128;
            DataType dt = DataType.BFLOAT16;
            NDArray x = t.randomNormal(0f, 1f, new Shape(1, s, d), dt);
            NDArray y = t.randomNormal(0f, 1f, new Shape(1, s, d), dt);
            NDArray p = t.randomNormal(0f, 0.5f, new Shape(2, 2 * d), dt);
            NDArray a0 = p.get(new NDIndex(":1, :{}", d));
            NDArray b0 = p.get(new NDIndex(":1, {}:", d));
            NDArray a1 = p.get(new NDIndex("1:, :{}", d));
            NDArray b1 = p.get(new NDIndex("1:, {}:", d));
            NDArray q = t.randomNormal(0f, 1f, new Shape(1, s, d / hd, hd), dt);
            NDArray w = t.randomNormal(1f, 0.1f, new Shape(hd), dt);
            NDArray ang = t.randomUniform(0f, 6.28f, new Shape(s, hd / 2), DataType.FLOAT32);
            NDArray cos = ang.cos();
            NDArray sin = ang.sin();
            double worst = 0;
            boolean ok = true;
            String which = "";
            List<Op> ops2 = List.of(k -> k.normModulateSplit(x, a0, b0, a1, b1, s / 2, 1e-6f),
                    k -> k.gatedAddSplit(x, a0, a1, y, s / 2), k -> k.qkNormRopeJoint(q, w, cos, sin, q, w, cos, sin,
                            1e-6f), k -> both(k.gatedAddNormModulate(x, a0, a1, y, b0, a0, b1, a1, s / 2, 1e-6f)));
            String[] names = {"norm_modulate", "gated_add", "qk_norm_rope", "gated_add_norm_modulate"};
            int[] steps = {1, 1, 1, 2}; // bf16 rounding steps allowed: the last chains two rounded results
            for (int i = 0; i < ops2.size(); i++) {
                NDArray n = ops2.get(i).run(nat).toType(DataType.FLOAT32, true);
                NDArray r = ops2.get(i).run(ref).toType(DataType.FLOAT32, true);
                double err = n.sub(r).abs().max().getFloat() / Math.max(1e-6, r.abs().max().getFloat());
                ok &= err <= steps[i] * 0x1p-7;
                if (err > worst) {
                    worst = err;
                    which = names[i];
                }
            }
            return String.format(Locale.ROOT, "%s (largest difference to the ops file %.2g of the values%s)",
                    ok ? "ok" : "FAIL", worst, which.isEmpty() ? "" : ", " + which);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "FAIL " + e;
        }
    }

    interface Op {
        NDArray run(Kernels k);
    }

    /** Native vs fallback vs the fallback in float32 (inputs upcast inside the same formula). */
    private void compare(String name, DataType dt, Op op, Kernels ref, Kernels nat) {
        compare(name, dt, op, ref, nat, 1);
    }

    /** {@code steps}: bf16 rounding steps of the largest value allowed between the two (chains of roundings). */
    private void compare(String name, DataType dt, Op op, Kernels ref, Kernels nat, int steps) {
        try (NDArray a = op.run(nat); NDArray b = op.run(ref)) {
            double errNat;
            double scale;
            try (NDArray a32 = a.toType(DataType.FLOAT32, false); NDArray b32 = b.toType(DataType.FLOAT32, false);
                    NDArray d = a32.sub(b32).abs(); NDArray mx = d.max(); NDArray s = b32.abs().max()) {
                errNat = mx.getFloat();
                scale = s.getFloat();
            }
            double tol = dt == DataType.BFLOAT16 ? steps * scale * 0x1p-7 : steps * scale * 1e-5;
            boolean ok = errNat <= tol;
            if (!ok) {
                failures++;
            }
            double tn = time(() -> op.run(nat));
            double tr = time(() -> op.run(ref));
            System.out.printf(Locale.ROOT, "RESULT kernel %-26s %s max|native-ops|=%.3g (max|x|=%.3g, tol %.3g)"
                    + " native_ms=%.4f ops_ms=%.4f speedup=%.2fx%n", name, ok ? "ok  " : "FAIL", errNat, scale, tol,
                    tn * 1e3, tr * 1e3, tr / tn);
        }
    }

    private void fp8(NDManager m, TorchOps ops) {
        long k = dim;
        long nOut = dim;
        try (NDManager t = m.newSubManager(); Fp8Codec codec = Fp8Codec.create(DType.F8_E4M3, DataType.BFLOAT16, t, ops)) {
            NDArray r = t.randomInteger(0, 128, new Shape(nOut, k), DataType.INT32);
            NDArray codes = r.add(r.gte(64).toType(DataType.INT32, false).mul(64)).toType(DataType.UINT8, false);
            float scale = (float) (1.0 / Math.sqrt(k));
            NDArray bias = t.randomNormal(0f, 0.02f, new Shape(nOut), DataType.BFLOAT16);
            Fp8Linear lin = new Fp8Linear(codec, codec.store(codes), scale, bias, nOut, k);
            try (NDArray x = t.randomNormal(0f, 1f, new Shape(2, k), DataType.BFLOAT16)) {
                NDArray w = lin.weight();
                NDArray exact = x.toType(DataType.FLOAT32, false).matMul(w.toType(DataType.FLOAT32, false).transpose())
                        .add(bias.toType(DataType.FLOAT32, false));
                codec.useNativeGemv(true);
                NDArray nat = lin.forward(x);
                double tNat = time(() -> lin.forward(x));
                codec.useNativeGemv(false);
                NDArray deq = lin.forward(x);
                double tDeq = time(() -> lin.forward(x));
                codec.useNativeGemv(true);
                double eNat = relRms(nat, exact);
                double eDeq = relRms(deq, exact);
                boolean ok = eNat <= Math.max(2 * eDeq, 1e-3);
                if (!ok) {
                    failures++;
                }
                System.out.printf(Locale.ROOT, "RESULT kernel fp8_gemv rows=2 %s rel_rms native=%.5f dequant=%.5f |"
                        + " native_ms=%.4f dequant_ms=%.4f speedup=%.2fx%n", ok ? "ok" : "FAIL", eNat, eDeq, tNat * 1e3,
                        tDeq * 1e3, tDeq / tNat);
            }
        }
        // the block's matmul shapes at the forward's token count: q/k/v/out (dim → dim), fc1 (dim → 4·dim), fc2 (4·dim → dim)
        long rows = tokens + 300;
        for (long[] kn : new long[][] {{dim, dim}, {dim, 4 * dim}, {4 * dim, dim}}) {
            fp8Matmul(m, ops, rows, kn[0], kn[1]);
        }
    }

    /**
     * The native fp8 matmul against the bf16 dense product and the dequantised path, for each activation scaling
     * (per row / per tensor) and accumulation (float32-promoted / fast): error against the float32 product of the
     * dequantised weight, and time.
     */
    private void fp8Matmul(NDManager m, TorchOps ops, long rows, long k, long nOut) {
        try (NDManager t = m.newSubManager(); Fp8Codec codec = Fp8Codec.create(DType.F8_E4M3, DataType.BFLOAT16, t, ops)) {
            NDArray r = t.randomInteger(0, 128, new Shape(nOut, k), DataType.INT32);
            NDArray codes = r.add(r.gte(64).toType(DataType.INT32, false).mul(64)).toType(DataType.UINT8, false);
            Fp8Linear lin = new Fp8Linear(codec, codec.store(codes), (float) (1.0 / Math.sqrt(k)),
                    t.randomNormal(0f, 0.02f, new Shape(nOut), DataType.BFLOAT16), nOut, k);
            NDArray bias = lin.bias();
            NDArray x = t.randomNormal(0f, 1f, new Shape(1, rows, k), DataType.BFLOAT16);
            NDArray w = lin.weight();
            NDArray exact = x.toType(DataType.FLOAT32, false).matMul(w.toType(DataType.FLOAT32, false).transpose())
                    .add(bias.toType(DataType.FLOAT32, false));
            NDArray dense = dev.atelier.inference.nn.Linear.linear(x, w, bias);
            double tDense = time(() -> dev.atelier.inference.nn.Linear.linear(x, w, bias));
            double eDense = relRms(dense, exact);
            codec.useScaledMm(false);
            double eDeq = relRms(lin.forward(x), exact);
            double tDeq = time(() -> lin.forward(x));
            codec.useScaledMm(true);
            String shape = String.format(Locale.ROOT, "rows=%d k=%d n=%d", rows, k, nOut);
            System.out.printf(Locale.ROOT, "RESULT kernel fp8_linear %s bf16_dense_ms=%.4f rel_rms=%.4f"
                    + " dequant_ms=%.4f rel_rms=%.4f%n", shape, tDense * 1e3, eDense, tDeq * 1e3, eDeq);
            for (Fp8Codec.Scaling sc : Fp8Codec.Scaling.values()) {
                for (boolean fast : new boolean[] {false, true}) {
                    codec.useScaling(sc, fast);
                    double e = relRms(lin.forward(x), exact);
                    double tn = time(() -> {
                        codec.forgetQuantized(); // time the activation quantisation too (once per layer here)
                        return lin.forward(x);
                    });
                    boolean ok = e < 0.08;
                    if (!ok) {
                        failures++;
                    }
                    System.out.printf(Locale.ROOT, "RESULT kernel fp8_linear %s scaling=%s fast_accum=%s %s"
                            + " rel_rms=%.4f ms=%.4f vs_bf16_dense=%.2fx%n", shape,
                            sc.name().toLowerCase(Locale.ROOT), fast, ok ? "ok" : "FAIL", e, tn * 1e3, tDense / tn);
                }
            }
        }
    }

    private static double relRms(NDArray a, NDArray exact) {
        try (NDArray a32 = a.toType(DataType.FLOAT32, false); NDArray d = a32.sub(exact);
                NDArray num = d.square().mean(); NDArray den = exact.square().mean()) {
            return Math.sqrt(num.getFloat() / den.getFloat());
        }
    }

    /** Median seconds of one call (each call synchronised by a host copy of one element). */
    private double time(Supplier<NDArray> f) {
        for (int i = 0; i < 3; i++) {
            try (NDArray o = f.get()) {
                sync(o);
            }
        }
        double[] ts = new double[iters];
        for (int i = 0; i < iters; i++) {
            long s = System.nanoTime();
            try (NDArray o = f.get()) {
                sync(o);
            }
            ts[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(ts);
        return ts[iters / 2];
    }

    private static void sync(NDArray a) {
        try (NDArray flat = a.flatten(); NDArray first = flat.get(0); NDArray one = first.toType(DataType.FLOAT32, true)) {
            one.toFloatArray();
        }
    }
}
