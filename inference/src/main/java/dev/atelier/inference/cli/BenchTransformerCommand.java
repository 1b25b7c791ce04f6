package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.RandomWeightStore;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.model.qwenimage.QwenImageConfig;
import dev.atelier.inference.model.qwenimage.QwenImageTransformer;
import dev.atelier.inference.model.qwenimage.QwenImageWeights;
import dev.atelier.inference.nn.AtelierNative;
import dev.atelier.inference.nn.Fp8Codec;
import dev.atelier.inference.nn.FusedKernels;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.NativeKernels;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code atelier bench transformer}: one denoiser forward at real size, timed like
 * {@code packaging/bench/diffusers_transformer_bench.py} (median of per-forward wall times, each ended by copying
 * one element to the host), so both can run in one device call and be compared.
 */
@Command(name = "transformer", mixinStandardHelpOptions = true,
        description = "Time the Qwen-Image transformer forward (random or real weights).")
final class BenchTransformerCommand implements Callable<Integer> {
    @Option(names = "--config", required = true,
            description = "real-edit-2511, real-2512 or the path of a transformer/config.json")
    String config;

    @Option(names = "--random-weights", description = "random bf16 weights made on the device (no download)")
    boolean randomWeights;

    @Option(names = "--weights", description = "a transformer folder or .safetensors file instead of random weights")
    Path weights;

    @Option(names = "--size", defaultValue = "1024", description = "square image side in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--refs", defaultValue = "1", description = "reference images of the same size (edit; default ${DEFAULT-VALUE})")
    int refs;

    @Option(names = "--txt", defaultValue = "300", description = "text tokens (default ${DEFAULT-VALUE})")
    int txt;

    @Option(names = "--device", defaultValue = "gpu", description = "gpu or cpu (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", description = "bf16 or f32 (default bf16 on gpu, f32 on cpu)")
    String dtype;

    @Option(names = "--impl", defaultValue = "fused", description = "fused or eager (default ${DEFAULT-VALUE})")
    String impl;

    @Option(names = "--ops", description = "an ops file to use instead of the built-in one")
    Path ops;

    @Option(names = "--rope", split = ",", description = "qk_norm_rope variants of the ops file to time, in turn")
    List<String> ropes;

    @Option(names = "--fuse-qkv", split = ",", arity = "1",
            description = "time without (false) and/or with (true) fused q/k/v projections, e.g. false,true"
                    + " (default: as the model loads, -Datelier.fuse.qkv)")
    List<Boolean> fuseQkv;

    @Option(names = "--kernels", split = ",", defaultValue = "native",
            description = "time with Atelier's CUDA kernels (native) and/or with the ops file only (ops), e.g. ops,native")
    List<String> kernelModes;

    @Option(names = "--profile", description = "after timing, profile one forward (native kernels library with"
            + " Kineto) and write a Chrome trace here (one file per configuration, suffixed)")
    Path profile;

    @Option(names = "--fp8", description = "random fp8 (e4m3, kept 8-bit) block weights instead of bf16, as the"
            + " preset bench makes them; the fp8 matmul follows -Datelier.fp8.mm (auto: native kernels, sm_89+)")
    boolean fp8;

    @Option(names = "--cfg-pair", description = "also time one true-CFG step both ways: the pipelines' batched pair"
            + " (B = 2, the negative prompt this many tokens shorter, padded; attention per sample over the valid keys,"
            + " or masked with -Datelier.attention.padding=masked) and two batch-1 forwards (diffusers' way)")
    Integer cfgPairShorter;

    @Option(names = "--fp8-scaling", split = ",", description = "with --fp8: time each activation scaling of the fp8"
            + " matmul in turn (row, tensor; +fast for fast accumulation, e.g. row,tensor,tensor+fast) and report each"
            + " output's relative RMS distance to the dequantised bf16 matmul's")
    List<String> fp8Scalings;

    @Option(names = "--iters", defaultValue = "10")
    int iters;

    @Option(names = "--warmup", defaultValue = "3")
    int warmup;

    @Override
    public Integer call() {
        if (!randomWeights && weights == null) {
            System.err.println("error: give --random-weights or --weights <path>");
            return 2;
        }
        if (ops != null) {
            System.setProperty("atelier.ops", ops.toString());
        }
        boolean gpu = device.equalsIgnoreCase("gpu");
        Device dev = gpu ? Device.gpu(0) : Device.cpu();
        DataType dt = dtype == null ? (gpu ? DataType.BFLOAT16 : DataType.FLOAT32)
                : dtype.equalsIgnoreCase("bf16") ? DataType.BFLOAT16 : DataType.FLOAT32;
        QwenImageConfig cfg = QwenImageConfig.named(config);
        int grid = size / 16; // VAE /8, then 2x2 patches
        List<ImageShape> images = new ArrayList<>();
        for (int i = 0; i <= refs; i++) {
            images.add(new ImageShape(1, grid, grid));
        }
        if (!cfg.zeroCondT() && refs > 0) {
            System.out.println("note: config has zero_cond_t=false; reference tokens are modulated with t like the rest");
        }
        long n = images.stream().mapToLong(ImageShape::tokens).sum();
        double flops = QwenImageTransformer.flops(cfg, n, txt);
        boolean explicitFuse = fuseQkv != null && !fuseQkv.isEmpty();
        if (explicitFuse) {
            System.setProperty("atelier.fuse.qkv", "false"); // load unfused; the loop fuses where asked
        }
        try (GpuMemorySampler mem = gpu ? new GpuMemorySampler() : null;
                NDManager manager = NDManager.newBaseManager(dev);
                WeightStore store = randomWeights ? new RandomWeightStore(QwenImageWeights.expected(cfg))
                        : WeightStores.open(weights)) {
            long t0 = System.nanoTime();
            QwenImageTransformer.Impl im = impl.equalsIgnoreCase("eager") ? QwenImageTransformer.Impl.EAGER
                    : QwenImageTransformer.Impl.FUSED;
            try (NDManager wm = manager.newSubManager();
                    RandomFp8Linears rf = fp8 ? new RandomFp8Linears(wm, dt, TorchOps.load(wm).orElse(null)) : null;
                    QwenImageTransformer model = QwenImageTransformer.load(cfg,
                            new Weights(store, wm, dt).withLinearFactory(rf), im)) {
                if (rf != null) {
                    System.out.println("fp8 weights: " + rf.codec());
                }
                try (NDArray probe = wm.ones(new Shape(1), dt)) {
                    sync(probe);
                }
                System.out.printf(Locale.ROOT, "loaded %s (%s, %.2f B params) in %.1f s on %s, %s%n", config,
                        model.implementation(), store.parameterCount() / 1e9, (System.nanoTime() - t0) / 1e9, dev, dt);
                try (NDManager in = manager.newSubManager()) {
                    NDArray hidden = in.randomNormal(0f, 1f, new Shape(1, n, cfg.inChannels()), dt);
                    NDArray enc = in.randomNormal(0f, 1f, new Shape(1, txt, cfg.jointAttentionDim()), dt);
                    NDArray t = in.create(new float[] {0.5f});
                    List<List<ImageShape>> shapes = List.of(images);
                    List<String> variants = ropes == null || ropes.isEmpty() ? List.of("") : ropes;
                    for (boolean fuse : explicitFuse ? fuseQkv : List.of(model.projectionsFused())) {
                    if (explicitFuse && fuse) {
                        System.out.println("fused q/k/v in " + model.fuseProjections() + " blocks");
                    }
                    for (String km : kernelModes) {
                    boolean nativeOn = km.equalsIgnoreCase("native");
                    if (model.kernels() instanceof NativeKernels nk) {
                        nk.enable(nativeOn);
                    } else if (nativeOn) {
                        System.out.println("native kernels: " + AtelierNative.status());
                    }
                    NDArray dequantRef = null;
                    List<String> scalings = rf == null || fp8Scalings == null || fp8Scalings.isEmpty() ? List.of("")
                            : fp8Scalings;
                    if (!scalings.get(0).isEmpty()) {
                        rf.codec().useScaledMm(false);
                        dequantRef = model.forward(hidden, enc, null, t, shapes).toType(DataType.FLOAT32, false);
                        rf.codec().useScaledMm(true);
                    }
                    for (String scaling : scalings) {
                    String scLabel = "";
                    if (!scaling.isEmpty()) {
                        String[] sp = scaling.split("\\+");
                        Fp8Codec.Scaling sc = Fp8Codec.Scaling.valueOf(sp[0].trim().toUpperCase(Locale.ROOT));
                        boolean fast = sp.length > 1 && sp[1].trim().equalsIgnoreCase("fast");
                        rf.codec().useScaling(sc, fast);
                        scLabel = "+fp8mm-" + sc.name().toLowerCase(Locale.ROOT) + (fast ? "-fast" : "");
                        try (NDArray o = model.forward(hidden, enc, null, t, shapes);
                                NDArray o32 = o.toType(DataType.FLOAT32, false); NDArray d = o32.sub(dequantRef);
                                NDArray num = d.square().mean(); NDArray den = dequantRef.square().mean()) {
                            System.out.printf(Locale.ROOT, "fp8 matmul %s: forward rel_rms vs dequantised bf16 = %.4f%n",
                                    scaling, Math.sqrt(num.getFloat() / den.getFloat()));
                        }
                    }
                    for (String rope : variants) {
                        String label = model.implementation() + (fuse ? "+qkv" : "")
                                + (model.kernels() instanceof NativeKernels nk && nk.enabled() ? "+native" : "")
                                + scLabel;
                        Kernels base = model.kernels() instanceof NativeKernels nk ? nk.fallback() : model.kernels();
                        if (!rope.isEmpty() && base instanceof FusedKernels fk) {
                            fk.useRope(rope);
                            label += "/" + rope;
                        }
                        double[] times;
                        try {
                            times = time(model, hidden, enc, t, shapes);
                        } catch (RuntimeException e) {
                            System.out.println("RESULT atelier-" + label + " FAILED " + e.getMessage());
                            continue;
                        }
                        if (profile != null) {
                            Path tr = profile.resolveSibling(profile.getFileName() + "." + label.replace('/', '_')
                                    + ".json");
                            try {
                                AtelierNative.profilerStart();
                                try (NDArray out = model.forward(hidden, enc, null, t, shapes)) {
                                    sync(out);
                                }
                                AtelierNative.profilerStop(tr.toString());
                                System.out.println("profile written: " + tr);
                            } catch (RuntimeException | UnsatisfiedLinkError e) {
                                System.out.println("profile failed: " + e);
                            }
                        }
                        double med = median(times);
                        System.out.printf(Locale.ROOT, "RESULT atelier-%s tokens=%d median_s=%.4f min_s=%.4f tflops=%.1f "
                                        + "flop_per_forward=%.1fT smi_peak_mib=%d device=%s%n", label, n + txt, med,
                                Arrays.stream(times).min().orElse(0), flops / med / 1e12, flops / 1e12,
                                mem == null ? -1 : mem.peakMiB(), dev);
                    }
                    }
                    if (dequantRef != null) {
                        dequantRef.close();
                    }
                    }
                    }
                    if (cfgPairShorter != null) {
                        cfgPair(model, in, hidden, enc, t, images, dt);
                    }
                }
            }
        }
        return 0;
    }

    /** One CFG step: batched with a padded negative prompt vs two batch-1 forwards. */
    private void cfgPair(QwenImageTransformer model, NDManager in, NDArray hidden, NDArray enc, NDArray t,
            List<ImageShape> images, DataType dt) {
        long shorter = Math.max(1, txt - cfgPairShorter);
        NDArray hidden2 = hidden.repeat(0, 2);
        NDArray enc2 = enc.repeat(0, 2);
        boolean[] m = new boolean[2 * txt];
        for (int i = 0; i < txt; i++) {
            m[i] = true;
            m[txt + i] = i < shorter;
        }
        NDArray mask = in.create(m, new Shape(2, txt));
        NDArray t2 = t.repeat(0, 2);
        NDArray encNeg = enc.get(NDIndex.sliceAxis(1, 0, shorter));
        List<List<ImageShape>> one = List.of(images);
        List<List<ImageShape>> two = List.of(images, images);
        // same answers both ways (the padded sample against its unpadded forward)
        try (NDArray pair = model.forward(hidden2, enc2, mask, t2, two);
                NDArray cond = model.forward(hidden, enc, null, t, one);
                NDArray uncond = model.forward(hidden, encNeg, null, t, one);
                NDArray p0 = pair.get(NDIndex.sliceAxis(0, 0, 1)).toType(DataType.FLOAT32, false);
                NDArray p1 = pair.get(NDIndex.sliceAxis(0, 1, 2)).toType(DataType.FLOAT32, false);
                NDArray d0 = p0.sub(cond.toType(DataType.FLOAT32, false)).abs().max();
                NDArray d1 = p1.sub(uncond.toType(DataType.FLOAT32, false)).abs().max();
                NDArray scale = cond.toType(DataType.FLOAT32, false).abs().max()) {
            System.out.printf(Locale.ROOT, "cfg-pair check: max|batched - single| cond=%.3g uncond(padded)=%.3g"
                    + " (max|out|=%.3g)%n", d0.getFloat(), d1.getFloat(), scale.getFloat());
        }
        double[] batched = timeOf(() -> model.forward(hidden2, enc2, mask, t2, two), false);
        double[] seq = timeOf(() -> {
            try (NDArray a = model.forward(hidden, enc, null, t, one)) {
                return model.forward(hidden, encNeg, null, t, one);
            }
        }, false);
        System.out.printf(Locale.ROOT, "RESULT cfg-step batched_s=%.4f (min %.4f) sequential_s=%.4f"
                        + " (min %.4f) text=%d/%d kernels=%s%n", median(batched), Arrays.stream(batched).min().orElse(0),
                median(seq), Arrays.stream(seq).min().orElse(0), txt, shorter, model.kernels().name());
    }

    private double[] time(QwenImageTransformer model, NDArray hidden, NDArray enc, NDArray t,
            List<List<ImageShape>> shapes) {
        return timeOf(() -> model.forward(hidden, enc, null, t, shapes), true);
    }

    /**
     * Seconds per call of {@code f} after the warm-ups. With {@code report}: the first output's mean |x| and NaN count,
     * and each call's total/issue time (issue = until {@code f} returned, the host's work; close to the total means the
     * host, not the GPU, sets the pace).
     */
    private double[] timeOf(java.util.function.Supplier<NDArray> f, boolean report) {
        for (int i = 0; i < warmup; i++) {
            try (NDArray out = f.get()) {
                sync(out);
                if (report && i == 0) {
                    try (NDArray x = out.toType(DataType.FLOAT32, true); NDArray a = x.abs(); NDArray mean = a.mean();
                            NDArray nan = x.isNaN().sum()) {
                        System.out.printf(Locale.ROOT, "output %s mean|x|=%.4g nan=%d%n", out.getShape(),
                                mean.getFloat(), nan.getLong());
                    }
                }
            }
        }
        double[] times = new double[iters];
        double[] issue = new double[iters];
        for (int i = 0; i < iters; i++) {
            long s = System.nanoTime();
            try (NDArray out = f.get()) {
                issue[i] = (System.nanoTime() - s) / 1e9;
                sync(out);
            }
            times[i] = (System.nanoTime() - s) / 1e9;
        }
        if (report) {
            StringBuilder sb = new StringBuilder("times_s");
            for (int i = 0; i < iters; i++) {
                sb.append(String.format(Locale.ROOT, " %.3f/%.3f", times[i], issue[i]));
            }
            System.out.println(sb.append(" (total/issue)"));
        }
        return times;
    }

    /** Waits for the device: copies one element to the host. */
    private static void sync(NDArray a) {
        if (a != null) {
            try (NDArray flat = a.flatten(); NDArray first = flat.get(0);
                    NDArray one = first.toType(DataType.FLOAT32, true)) {
                one.toFloatArray();
            }
        }
    }

    private static double median(double[] v) {
        List<Double> l = new ArrayList<>(Arrays.stream(v).boxed().toList());
        Collections.sort(l);
        int m = l.size() / 2;
        return l.size() % 2 == 1 ? l.get(m) : (l.get(m - 1) + l.get(m)) / 2;
    }
}
