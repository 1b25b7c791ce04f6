package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.model.vae.QwenImageVaeConfig;
import dev.atelier.inference.model.vae.VaeTiling;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code atelier bench vae}: the Qwen-Image VAE with the released config and random weights made on the device;
 * median encode and decode times, memory, and tiled against untiled. {@code packaging/bench/diffusers_vae_bench.py}
 * times diffusers' {@code AutoencoderKLQwenImage} the same way (same shapes, same run counts, one host copy to sync).
 *
 * <p>Phases run in order of expected memory (tiled decode, tiled encode, encode, decode) so that the device memory in
 * use after each phase, minus what the weights took, is the peak reserved so far (the caching allocator keeps its
 * blocks). On the CPU the figure is the process's peak resident set ({@code VmHWM}).
 */
@Command(name = "vae", mixinStandardHelpOptions = true,
        description = "Time the Qwen-Image VAE (real config, random weights): encode, decode, tiled vs untiled.")
public final class BenchVaeCommand implements Callable<Integer> {
    @Option(names = "--random-weights", required = true, description = "random weights with the real config "
            + "(the only mode for now)")
    boolean randomWeights;

    @Option(names = "--size", defaultValue = "1024", description = "square image side in pixels (1024, 2048, ...)")
    int size;

    @Option(names = "--device", defaultValue = "gpu", description = "gpu or cpu")
    String device;

    @Option(names = "--dtype", description = "bf16 or fp32 (default: bf16 on the GPU, fp32 on the CPU)")
    String dtype;

    @Option(names = "--budget-gib", defaultValue = "12", description = "activation memory budget that picks the tiling")
    double budgetGib;

    @Option(names = "--tile", defaultValue = "512", description = "tile side (pixels) for the tiled phases when the "
            + "budget needs no tiling")
    int tile;

    @Option(names = "--runs", defaultValue = "5", description = "timed runs per phase (median reported)")
    int runs;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed runs per phase first")
    int warmup;

    @Option(names = "--skip-tiled", description = "only the untiled phases")
    boolean skipTiled;

    @Spec
    CommandSpec spec;

    /** Runs without the {@code atelier bench} parent: {@code java -cp ... BenchVaeCommand --random-weights ...}. */
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(new CommandLine(new BenchVaeCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean gpu = device.equalsIgnoreCase("gpu");
        if (!gpu && !device.equalsIgnoreCase("cpu")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device must be gpu or cpu");
        }
        if (size % 16 != 0 || size < 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size must be a multiple of 16, ≥ 64");
        }
        Device dev = gpu ? Device.gpu(0) : Device.cpu();
        String dt = dtype != null ? dtype : gpu ? "bf16" : "fp32";
        DataType type = switch (dt.toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            case "fp32", "float32" -> DataType.FLOAT32;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--dtype must be bf16 or fp32");
        };
        QwenImageVaeConfig config = QwenImageVaeConfig.qwenImage();
        String tag = String.format(Locale.ROOT, "BENCH vae impl=atelier device=%s dtype=%s size=%d", dev, dt, size);
        try (NDManager root = NDManager.newBaseManager(dev)) {
            long before = memoryInUse(dev);
            long t0 = System.nanoTime();
            QwenImageVae vae = QwenImageVae.random(config, root, dev, type, 1234);
            long weightBytes = vae.parameterBytes();
            long base = memoryInUse(dev);
            out.printf(Locale.ROOT, "%s phase=load seconds=%.3f weights_gib=%.3f memory_gib_after_weights=%.3f%n", tag,
                    (System.nanoTime() - t0) / 1e9, gib(weightBytes), gib(base - before));
            vae.setMemoryBudget((long) (budgetGib * (1L << 30)));
            VaeTiling planEnc = vae.planEncode(size, size).orElse(null);
            VaeTiling planDec = vae.planDecode(size, size).orElse(null);
            VaeTiling forced = VaeTiling.withQuarterOverlap(Math.min(tile, size), config.spatialCompression());
            out.printf(Locale.ROOT, "%s estimate_encode_gib=%.3f estimate_decode_gib=%.3f budget_gib=%.1f "
                            + "plan_encode=%s plan_decode=%s%n", tag, gib(vae.estimateBytes(size, size, true)),
                    gib(vae.estimateBytes(size, size, false)), budgetGib, planEnc == null ? "untiled" : planEnc,
                    planDec == null ? "untiled" : planDec);
            out.flush();
            try (NDManager m = root.newSubManager()) {
                NDArray image = random(m, new Shape(1, 3, 1, size, size), type, true);
                int s = config.spatialCompression();
                NDArray latents = random(m, new Shape(1, config.zDim(), 1, size / s, size / s), type, false);
                VaeTiling encTiling = planEnc != null ? planEnc : forced;
                VaeTiling decTiling = planDec != null ? planDec : forced;
                NDArray tiledOut = null;
                if (!skipTiled) {
                    tiledOut = phase(out, tag, "decode", decTiling, dev, base, () -> vae.decode(latents, decTiling));
                    tiledOut.close();
                    phase(out, tag, "encode", encTiling, dev, base,
                            () -> vae.encode(image, encTiling)).close();
                    tiledOut = vae.decode(latents, decTiling);
                }
                phase(out, tag, "encode", null, dev, base, () -> vae.encode(image, null)).close();
                NDArray untiled = phase(out, tag, "decode", null, dev, base, () -> vae.decode(latents, null));
                if (tiledOut != null) {
                    try (NDArray d = untiled.toType(DataType.FLOAT32, false).sub(tiledOut.toType(DataType.FLOAT32,
                            false)).abs()) {
                        out.printf(Locale.ROOT, "%s tiled_vs_untiled_decode max_abs=%.4g mean_abs=%.4g "
                                        + "(random weights: a bound on the blend, not image quality)%n", tag,
                                d.max().getFloat(), d.mean().getFloat());
                    }
                }
            }
            vae.close();
        }
        out.flush();
        return 0;
    }

    private NDArray phase(PrintWriter out, String tag, String what, VaeTiling tiling, Device dev, long base,
            Supplier<NDArray> f) {
        for (int i = 0; i < warmup; i++) {
            NDArray r = f.get();
            sync(r);
            r.close();
        }
        double[] seconds = new double[runs];
        NDArray last = null;
        for (int i = 0; i < runs; i++) {
            if (last != null) {
                last.close();
            }
            long t0 = System.nanoTime();
            last = f.get();
            sync(last);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(seconds);
        double median = seconds.length % 2 == 1 ? seconds[seconds.length / 2]
                : (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
        out.printf(Locale.ROOT, "%s phase=%s tiling=%s median_s=%.4f min_s=%.4f runs=%d memory_gib=%.3f (%s)%n", tag,
                what, tiling == null ? "off" : tiling.tileSample() + "/" + tiling.strideSample(), median, seconds[0],
                runs, gib(memoryInUse(dev) - base), dev.isGpu() ? "device memory in use above the weights, "
                        + "= peak reserved so far" : "process peak RSS");
        out.flush();
        return last;
    }

    private static NDArray random(NDManager m, Shape shape, DataType type, boolean uniform) {
        NDArray f = uniform ? m.randomUniform(-1f, 1f, shape) : m.randomNormal(shape);
        if (type == DataType.FLOAT32) {
            return f;
        }
        NDArray c = f.toType(type, false);
        f.close();
        return c;
    }

    /** Ops are asynchronous on the GPU: copying one element to the host waits for them. */
    private static void sync(NDArray a) {
        try (NDArray flat = a.flatten(); NDArray one = flat.get(0); NDArray f = one.toType(DataType.FLOAT32, false)) {
            f.toFloatArray();
        }
    }

    private static long memoryInUse(Device dev) {
        if (dev.isGpu()) {
            try {
                return CudaUtils.getGpuMemory(dev).getUsed();
            } catch (RuntimeException | LinkageError e) {
                return 0; // cudart not found through JNA: memory is reported as 0
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
