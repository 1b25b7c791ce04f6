package dev.atelier.inference.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CUDA kernels library changes on a machine without it (CI, CPU): nothing. The kernels themselves are checked
 * against their fallbacks on the GPU by {@code atelier bench kernels} (packaging/bench/results).
 */
class NativeKernelsTest {
    @Test
    void cpuKeepsTheFallback() {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            Kernels eager = new EagerKernels(cpu);
            assertSame(eager, NativeKernels.wrap(eager, Device.cpu()));
        }
    }

    @Test
    void aMissingOrForeignLibraryIsReportedNotFatal(@TempDir Path dir) throws Exception {
        assertFalse(AtelierNative.tryLoad(List.of(dir.resolve(AtelierNative.FILE_NAME))));
        assertTrue(AtelierNative.status().startsWith("no " + AtelierNative.FILE_NAME), AtelierNative.status());
        Path bogus = Files.writeString(dir.resolve("bogus.so"), "not an ELF file");
        assertFalse(AtelierNative.tryLoad(List.of(bogus)));
        assertTrue(AtelierNative.status().contains("could not load " + bogus)
                && AtelierNative.status().contains("build-kernels.sh"), AtelierNative.status());
    }

    @Test
    void jointQkNormRopeIsTheTwoStreamsConcatenated() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Kernels k = new EagerKernels(m);
            NDArray txt = m.randomNormal(new Shape(2, 3, 2, 8));
            NDArray img = m.randomNormal(new Shape(2, 5, 2, 8));
            NDArray wt = m.randomNormal(1f, 0.1f, new Shape(8), DataType.FLOAT32);
            NDArray wi = m.randomNormal(1f, 0.1f, new Shape(8), DataType.FLOAT32);
            NDArray ct = m.randomUniform(-1f, 1f, new Shape(3, 4));
            NDArray st = m.randomUniform(-1f, 1f, new Shape(3, 4));
            NDArray ci = m.randomUniform(-1f, 1f, new Shape(5, 4));
            NDArray si = m.randomUniform(-1f, 1f, new Shape(5, 4));
            NDArray joint = k.qkNormRopeJoint(txt, wt, ct, st, img, wi, ci, si, 1e-6f);
            NDArray expected = NDArrays.concat(new NDList(k.qkNormRope(txt, wt, 1e-6f, ct, st),
                    k.qkNormRope(img, wi, 1e-6f, ci, si)), 1);
            assertEquals(new Shape(2, 8, 2, 8), joint.getShape());
            assertArrayEquals(expected.toFloatArray(), joint.toFloatArray(), 0f);
        }
    }

    @Test
    void linearOfARank3InputIsOneGemmAndLeavesTheInputAlone() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.randomNormal(new Shape(2, 7, 6));
            NDArray w = m.randomNormal(new Shape(4, 6));
            NDArray b = m.randomNormal(new Shape(4));
            NDArray y = Linear.linear(x, w, b);
            assertEquals(new Shape(2, 7, 4), y.getShape());
            assertEquals(new Shape(2, 7, 6), x.getShape(), "the input's Shape must not change");
            NDArray ref = x.matMul(w.transpose()).add(b);
            assertArrayEquals(ref.toFloatArray(), y.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void theFp8MatmulStaysOffWithoutTheKernels() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                Fp8Codec c = Fp8Codec.create(DType.F8_E4M3, DataType.FLOAT32, m, null)) {
            assertFalse(c.scaledMm(), c.toString());
        }
    }

    @Test
    void fp8MatmulScalingFollowsItsSettingAndFallsBackToTheDefault() {
        String key = "atelier.fp8.scaling";
        String before = System.getProperty(key);
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            System.clearProperty(key);
            try (Fp8Codec c = Fp8Codec.create(DType.F8_E4M3, DataType.FLOAT32, cpu, null)) {
                assertEquals(Fp8Codec.Scaling.ROW, c.scaling(), "row-wise scales are the measured default");
                c.useScaling(Fp8Codec.Scaling.TENSOR, true);
                assertEquals(Fp8Codec.Scaling.TENSOR, c.scaling());
                c.forgetQuantized(); // nothing kept: a no-op, not an error
            }
            System.setProperty(key, "Tensor");
            try (Fp8Codec c = Fp8Codec.create(DType.F8_E4M3, DataType.FLOAT32, cpu, null)) {
                assertEquals(Fp8Codec.Scaling.TENSOR, c.scaling());
            }
            System.setProperty(key, "per-block");
            try (Fp8Codec c = Fp8Codec.create(DType.F8_E4M3, DataType.FLOAT32, cpu, null)) {
                assertEquals(Fp8Codec.DEFAULT_SCALING, c.scaling(), "an unknown value is noted and ignored");
            }
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
