package dev.atelier.inference.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fused ops file (libtorch 2.7.1 CPU here) against the eager DJL kernels, fp32, every method and variant. */
class KernelsTest {
    private static NDManager m;
    private static TorchOps ops;
    private static EagerKernels eager;
    private static FusedKernels fused;

    @BeforeAll
    static void load() {
        m = NDManager.newBaseManager(Device.cpu());
        ops = TorchOps.load(m).orElseThrow(() -> new AssertionError("the built-in ops file must load on CPU"));
        eager = new EagerKernels(m);
        fused = new FusedKernels(ops);
    }

    @AfterAll
    static void close() {
        ops.close();
        m.close();
    }

    private static void same(String what, NDArray a, NDArray b) {
        assertEquals(b.getShape(), a.getShape(), what);
        float d = a.sub(b).abs().max().getFloat();
        assertTrue(d <= 1e-5f * Math.max(1f, b.abs().max().getFloat()), what + ": max |diff| " + d);
    }

    @Test
    void fusedMatchesEager() {
        long b = 2;
        long s = 23;
        long h = 3;
        long d = 16;
        NDArray x = m.randomNormal(new Shape(b, s, h * d));
        NDArray y = m.randomNormal(new Shape(b, s, h * d));
        NDArray[] p = new NDArray[6];
        for (int i = 0; i < 6; i++) {
            p[i] = m.randomNormal(new Shape(b, h * d));
        }
        NDArray w = m.randomNormal(new Shape(d)).mul(0.1f).add(1f);
        NDArray ang = m.randomUniform(0f, 6f, new Shape(s, d / 2));
        NDArray cos = ang.cos();
        NDArray sin = ang.sin();
        NDArray x4 = x.reshape(b, s, h, d);
        List<Function<Kernels, NDArray>> calls = List.of(
                k -> k.rmsNorm(x4, w, 1e-6f),
                k -> k.normModulate(x, p[0], p[1], 1e-6f),
                k -> k.normModulateSplit(x, p[0], p[1], p[3], p[4], 9, 1e-6f),
                k -> k.gatedAdd(x, p[2], y),
                k -> k.gatedAddSplit(x, p[2], p[5], y, 9),
                k -> k.geluTanh(x),
                k -> k.silu(x),
                k -> k.qkNormRope(x4, w, 1e-6f, cos, sin));
        String[] names = {"rmsNorm", "normModulate", "normModulateSplit", "gatedAdd", "gatedAddSplit", "geluTanh",
            "silu", "qkNormRope"};
        for (int i = 0; i < calls.size(); i++) {
            same(names[i], calls.get(i).apply(fused), calls.get(i).apply(eager));
        }
        for (String variant : List.of("qk_norm_rope_fast", "qk_norm_rope_ew")) {
            fused.useRope(variant);
            same(variant, fused.qkNormRope(x4, w, 1e-6f, cos, sin), eager.qkNormRope(x4, w, 1e-6f, cos, sin));
        }
        fused.useRope(FusedKernels.DEFAULT_ROPE);
    }

    @Test
    void attentionImplementationsAgreeWithAndWithoutMask() {
        NDArray q = m.randomNormal(new Shape(2, 3, 37, 16));
        NDArray k = m.randomNormal(new Shape(2, 3, 37, 16));
        NDArray v = m.randomNormal(new Shape(2, 3, 37, 16));
        NDArray mask = m.randomUniform(0f, 1f, new Shape(2, 37)).gt(0.3f);
        // a tiny score budget forces many query chunks
        Attention chunked = new EagerAttention(m, 2 * 3 * 37 * 5);
        Attention sdpa = new FusedAttention(ops);
        same("no mask", chunked.attend(q, k, v, null), sdpa.attend(q, k, v, null));
        same("mask", chunked.attend(q, k, v, mask), sdpa.attend(q, k, v, mask));
    }
}
