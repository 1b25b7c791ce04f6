package dev.atelier.inference.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decisions only ({@link TorchRuntime#plan}): no system property is set, no engine started, except where said. */
class TorchRuntimeTest {
    @TempDir
    Path tmp;

    private Path fakeTorch(String version, boolean cuda) throws IOException {
        Path root = tmp.resolve("site-packages/torch");
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("version.py"), "__version__ = '" + version + "'\ndebug = False\n");
        Files.createFile(root.resolve("lib/libtorch.so"));
        Files.createFile(root.resolve("lib/libc10.so"));
        if (cuda) {
            Files.createFile(root.resolve("lib/libtorch_cuda.so"));
        }
        return root;
    }

    private Path jniDir(String folder, boolean patched, String provenanceTorch) throws IOException {
        Path d = tmp.resolve("jni/linux-x86_64/" + folder);
        Files.createDirectories(d);
        if (patched) {
            Files.copy(JniLibraryTest.PATCHED, d.resolve("libdjl_torch.so"));
        } else {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("jnilib/linux-x86_64/cu128/libdjl_torch.so")) {
                Files.copy(in, d.resolve("libdjl_torch.so"));
            }
        }
        if (provenanceTorch != null) {
            Files.writeString(d.resolve("libdjl_torch.so.txt"), "torch=" + provenanceTorch + " djl=v0.36.0\n");
        }
        return tmp.resolve("jni");
    }

    private TorchRuntime.Settings gpu(Path torch, Path jni) {
        return new TorchRuntime.Settings(true, 0, torch.toString(), jni.toString(), tmp.resolve("work"));
    }

    @Test
    void cpuIsFloat32AndSetsNothingButOffline() {
        TorchRuntime rt = TorchRuntime.plan(new TorchRuntime.Settings(false, 0, null, null, null));
        assertEquals(TorchRuntime.Backend.CPU, rt.backend());
        assertEquals(DataType.FLOAT32, rt.floatType());
        assertEquals(Device.cpu(), rt.device());
        assertFalse(rt.bf16());
        assertEquals(java.util.Map.of("ai.djl.offline", "true"), rt.properties());
        assertThrows(IllegalStateException.class, rt::requireBf16);
    }

    @Test
    void gpuWithPatchedJniComputesInBf16AndPointsDjlAtTheLinkFolder() throws IOException {
        Path torch = fakeTorch("2.11.0+cu130", true);
        TorchRuntime rt = TorchRuntime.plan(gpu(torch, jniDir("torch-2.11.0-cu130", true, null)));
        assertEquals(TorchRuntime.Backend.GPU, rt.backend(), rt.describe());
        assertEquals(DataType.BFLOAT16, rt.floatType());
        assertTrue(rt.bf16());
        rt.requireBf16();
        assertEquals(Device.gpu(0), rt.device());
        assertEquals("2.11.0+cu130", rt.jni().torchVersion(), "version from the folder name when there is no .txt");
        Path libDir = tmp.resolve("work/libtorch/2.11.0-cu130");
        assertEquals(libDir.toString(), rt.properties().get("PYTORCH_LIBRARY_PATH"));
        assertEquals("2.11.0", rt.properties().get("PYTORCH_VERSION"));
        assertEquals("cu130", rt.properties().get("PYTORCH_FLAVOR"));
        assertTrue(rt.properties().get("jna.library.path").startsWith(tmp.resolve("work/libtorch/2.11.0-cu130-jna").toString()));
        assertTrue(rt.messages().isEmpty(), rt.messages().toString());
        assertFalse(Files.exists(libDir), "plan() writes nothing");
    }

    @Test
    void gpuWithStockJniFallsBackToFloat16AndSaysWhatToDo() throws IOException {
        Path torch = fakeTorch("2.11.0+cu130", true);
        TorchRuntime rt = TorchRuntime.plan(gpu(torch, jniDir("torch-2.11.0-cu130", false, "2.11.0+cu130")));
        assertEquals(TorchRuntime.Backend.GPU, rt.backend());
        assertEquals(DataType.FLOAT16, rt.floatType());
        assertFalse(rt.bf16());
        IllegalStateException e = assertThrows(IllegalStateException.class, rt::requireBf16);
        assertTrue(e.getMessage().contains("GPU set-up"), e.getMessage());
        assertTrue(rt.messages().getFirst().contains("without bfloat16"), rt.messages().toString());
        assertTrue(rt.messages().getFirst().contains("packaging/jni"), rt.messages().toString());
    }

    @Test
    void otherCudaFlavorOfTheSameTorchIsAcceptedWithANote() throws IOException {
        Path torch = fakeTorch("2.11.0+cu128", true);
        TorchRuntime rt = TorchRuntime.plan(gpu(torch, jniDir("torch-2.11.0-cu130", true, "2.11.0+cu130")));
        assertEquals(DataType.BFLOAT16, rt.floatType());
        assertEquals("cu128", rt.properties().get("PYTORCH_FLAVOR"));
        assertTrue(rt.messages().getFirst().contains("other CUDA"), rt.messages().toString());
    }

    @Test
    void otherTorchVersionFallsBackToCpuNamingTheVersions() throws IOException {
        Path torch = fakeTorch("2.7.1+cu128", true);
        TorchRuntime rt = TorchRuntime.plan(gpu(torch, jniDir("torch-2.11.0-cu130", true, "2.11.0+cu130")));
        assertEquals(TorchRuntime.Backend.CPU, rt.backend());
        assertEquals(DataType.FLOAT32, rt.floatType());
        String m = rt.messages().getFirst();
        assertTrue(m.contains("2.7.1+cu128") && m.contains("2.11.0+cu130") && m.contains("build-jni.sh"), m);
    }

    @Test
    void missingOrCpuOnlyTorchFallsBackToCpu() throws IOException {
        TorchRuntime none = TorchRuntime.plan(gpu(tmp.resolve("nowhere"), tmp));
        assertEquals(TorchRuntime.Backend.CPU, none.backend());
        assertTrue(none.messages().getFirst().contains("ATELIER_TORCH_DIR"), none.messages().toString());
        TorchRuntime cpuTorch = TorchRuntime.plan(gpu(fakeTorch("2.11.0+cpu", false), tmp));
        assertEquals(TorchRuntime.Backend.CPU, cpuTorch.backend());
        assertTrue(cpuTorch.messages().getFirst().contains("no CUDA"), cpuTorch.messages().toString());
    }

    @Test
    void torchInstallReadsPackagesAndLibtorchFolders() throws IOException {
        Path pkg = fakeTorch("2.11.0+cu130", true);
        TorchInstall t = TorchInstall.at(pkg).orElseThrow();
        assertEquals("2.11.0", t.baseVersion());
        assertEquals("cu130", t.flavor());
        assertTrue(t.cuda());
        assertEquals(t, TorchInstall.at(pkg.resolve("lib")).orElseThrow(), "the lib/ folder works too");
        Path libtorch = tmp.resolve("libtorch");
        Files.createDirectories(libtorch.resolve("lib"));
        Files.createFile(libtorch.resolve("lib/libtorch.so"));
        Files.writeString(libtorch.resolve("build-version"), "2.11.0+cpu\n");
        TorchInstall lt = TorchInstall.at(libtorch).orElseThrow();
        assertEquals("cpu", lt.flavor());
        assertFalse(lt.cuda());
        assertTrue(TorchInstall.at(tmp.resolve("nothing")).isEmpty());
    }

    @Test
    void onTheCpuTheLoadedStockJniIsCheckedWithoutTouchingBf16() {
        // starts DJL's CPU engine (libtorch 2.7.1 with DJL's stock JNI, as every CPU test does)
        TorchRuntime rt = TorchRuntime.plan(new TorchRuntime.Settings(false, 0, null, null, null)).verifyLoaded();
        assertNotNull(rt.jni(), "the loaded JNI was found in /proc/self/maps");
        assertTrue(rt.jni().path().getFileName().toString().endsWith("djl_torch.so"));
        assertFalse(rt.jni().bf16(), "DJL's stock JNI: " + rt.jni().path());
        assertFalse(rt.bf16());
        assertEquals(DataType.FLOAT32, rt.floatType());
    }
}
