package dev.atelier.inference.cli;

import dev.atelier.inference.nn.AtelierNative;
import dev.atelier.inference.nn.TorchOps;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.runtime.Bytes;
import dev.atelier.inference.runtime.DeviceInfo;
import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.JniLibrary;
import dev.atelier.inference.runtime.MemorySample;
import dev.atelier.inference.runtime.TelemetrySampler;
import dev.atelier.inference.runtime.TorchRuntime;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code atelier doctor}: what this machine offers (NVML devices, libtorch, JNI, bf16) and, with {@code --smoke},
 * a few tensors on the chosen device (bf16 only when the JNI is known to carry it).
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the GPU set-up: NVIDIA driver (NVML), libtorch, DJL JNI and bf16 support.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--gpu", description = "set up the GPU engine (default: CPU)")
    boolean gpu;

    @Option(names = "--smoke", description = "also create and compute a few arrays on the device")
    boolean smoke;

    @Option(names = "--torch-dir", description = "torch package or libtorch folder (default: ATELIER_TORCH_DIR or search)")
    String torchDir;

    @Option(names = "--jni-dir", description = "folder with the patched JNI (default: ATELIER_JNI_DIR or packaging/jni/lib)")
    String jniDir;

    @Option(names = "--inspect-jni", description = "only report whether these JNI files carry the bf16 patch", arity = "1..*")
    List<Path> inspect;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (inspect != null) {
            for (Path p : inspect) {
                JniLibrary lib = JniLibrary.inspect(p);
                out.println("JNI " + lib.describe() + " bf16=" + lib.bf16());
            }
            return 0;
        }
        try (GpuTelemetry telemetry = GpuTelemetry.open()) {
            if (telemetry.gpuAvailable()) {
                out.println("NVML (" + telemetry.nvml().library() + "): " + telemetry.deviceCount() + " device(s)");
                for (DeviceInfo d : DeviceInfo.list(telemetry.nvml())) {
                    out.println("  " + d.describe());
                }
            } else {
                out.println("NVML: none (" + telemetry.unavailableReason() + ")");
            }
            out.println("memory before engine: " + telemetry.sample(0).describe());

            TorchRuntime.Settings env = TorchRuntime.Settings.fromEnvironment(gpu);
            TorchRuntime.Settings s = new TorchRuntime.Settings(gpu, 0, torchDir != null ? torchDir : env.torchDir(),
                    jniDir != null ? jniDir : env.jniDir(), env.workDir());
            TorchRuntime rt = TorchRuntime.configure(s);
            out.println("runtime (configured): " + rt.describe());
            long t0 = System.nanoTime();
            rt = rt.verifyLoaded();
            Engine engine = Engine.getEngine("PyTorch");
            out.printf(Locale.ROOT, "engine %s %s started in %.2f s; DJL sees %d GPU(s)%n", engine.getEngineName(),
                    engine.getVersion(), (System.nanoTime() - t0) / 1e9, engine.getGpuCount());
            out.println("runtime (loaded): " + rt.describe());
            out.println("BF16_SAFE=" + rt.bf16() + " FLOAT_TYPE=" + rt.floatType() + " BACKEND=" + rt.backend());
            if (rt.backend() == dev.atelier.inference.runtime.TorchRuntime.Backend.GPU) {
                boolean k = dev.atelier.inference.nn.AtelierNative.available();
                out.println("KERNELS=" + (k ? "native" : "ops-file") + " (" + dev.atelier.inference.nn.AtelierNative.status()
                        + ")");
            }
            if (smoke) {
                smoke(rt, telemetry, out);
            }
        }
        return 0;
    }

    private static void smoke(TorchRuntime rt, GpuTelemetry telemetry, PrintStream out) {
        Device dev = rt.device();
        AtomicInteger samples = new AtomicInteger();
        try (TelemetrySampler sampler = telemetry.startSampler(0, Duration.ofMillis(50), s -> samples.incrementAndGet());
             NDManager m = NDManager.newBaseManager(dev)) {
            MemorySample before = telemetry.sample(0);
            NDArray big = m.ones(new Shape(256, 1024, 1024), DataType.FLOAT32); // 1 GiB
            sync(big);
            MemorySample after = telemetry.sample(0);
            out.println("SMOKE f32 1 GiB on " + dev + ": process GPU " + Bytes.format(before.processGpuBytes()) + " -> "
                    + Bytes.format(after.processGpuBytes()) + ", device used " + Bytes.format(before.deviceUsedBytes())
                    + " -> " + Bytes.format(after.deviceUsedBytes()));
            big.close();
            for (DataType t : List.of(DataType.FLOAT16, DataType.BFLOAT16)) {
                if (t == DataType.BFLOAT16 && !rt.bf16()) {
                    out.println("SMOKE bf16 skipped: the loaded JNI lacks the bf16 patch (not touched)");
                    continue;
                }
                NDArray z = m.zeros(new Shape(4), t); // a direct creation: what kills the JVM on a stock JNI for bf16
                NDArray a = m.randomNormal(new Shape(1024, 1024)).toType(t, false);
                NDArray c = a.matMul(a.transpose()).div(m.create(1024f).toType(t, false));
                float c00 = c.get(0, 0).toType(DataType.FLOAT32, false).getFloat();
                out.printf(Locale.ROOT, "SMOKE %s on %s: zeros dtype %s, matmul dtype %s, (a a^T / 1024)[0,0] = %.4f (expect ~1.0)%n",
                        t, dev, z.getDataType(), c.getDataType(), c00);
            }
            if (dev.isGpu() && rt.bf16() && AtelierNative.available()) {
                var ops = TorchOps.load(m);
                out.println("SMOKE kernels: " + (ops.isEmpty() ? "skipped (no ops file to compare with)"
                        : BenchKernelsCommand.quickCheck(m, ops.get())));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.println("SMOKE sampler: " + samples.get() + " samples, peak process GPU "
                    + Bytes.format(sampler.peakProcessGpuBytes()) + ", peak device used "
                    + Bytes.format(sampler.peakDeviceUsedBytes()) + ", peak RSS " + Bytes.format(sampler.peakRssBytes()));
            out.println("memory after smoke: " + telemetry.sample(0).describe());
        }
    }

    private static void sync(NDArray a) {
        a.flatten().get(0).toType(DataType.FLOAT32, false).toFloatArray();
    }
}
