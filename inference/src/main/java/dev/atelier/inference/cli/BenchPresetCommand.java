package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.io.RandomWeightStore;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.lora.LoraAdapter;
import dev.atelier.inference.lora.LoraLoader;
import dev.atelier.inference.model.qwenimage.BlockStreamer;
import dev.atelier.inference.model.qwenimage.ImageShape;
import dev.atelier.inference.model.qwenimage.QwenImageConfig;
import dev.atelier.inference.model.qwenimage.QwenImageTransformer;
import dev.atelier.inference.model.qwenimage.QwenImageWeights;
import dev.atelier.inference.model.qwenvl.QwenVlConfig;
import dev.atelier.inference.model.qwenvl.QwenVlModel;
import dev.atelier.inference.model.qwenvl.QwenVlTensors;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.model.vae.QwenImageVaeConfig;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.runtime.BlockPlacement;
import dev.atelier.inference.runtime.ComponentRole;
import dev.atelier.inference.runtime.ComponentWeights;
import dev.atelier.inference.runtime.DeviceProfile;
import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.MemoryPlanner;
import dev.atelier.inference.runtime.PlanRequest;
import dev.atelier.inference.runtime.TelemetrySampler;
import dev.atelier.inference.runtime.TorchRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code atelier bench preset quick-preview,draft,final --budget-gib none,24,16,12 --random-weights}: a 1024² edit
 * with one reference image at full size (random weights, the released configs), stage by stage as the pipeline runs
 * it with stage offload: text encoder once, transformer {@code steps} forwards of batch {@code cfg_forwards} (the
 * pipelines run the CFG pair as one batch), VAE (reference encode + decode) once; each stage alone on the GPU (its
 * weights freed and torch's cache emptied after it), peak memory of this process from NVML per stage. The transformer
 * stage is timed on {@code --forwards} forwards (median) and the job total derived as
 * {@code TE + VAE + steps × forward}; the transformer is planned by
 * {@link MemoryPlanner} (blocks resident or streamed from pinned host memory) within the budget.
 * Prints {@code RESULT preset ...} lines; stage lines start with {@code RESULT stage}.
 */
@Command(name = "preset", mixinStandardHelpOptions = true,
        description = "Time the presets end to end (text encoder, transformer steps, VAE) within VRAM budgets.")
final class BenchPresetCommand implements Callable<Integer> {
    @Parameters(index = "0", split = ",", description = "quick-preview, draft, final (comma-separated); NAME:fp8 or"
            + " NAME:bf16 overrides the preset's transformer weights (e.g. draft:fp8)")
    List<String> presets;

    @Option(names = "--budget-gib", split = ",", defaultValue = "none",
            description = "VRAM budgets: none, or GiB (comma-separated; default ${DEFAULT-VALUE})")
    List<String> budgets;

    @Option(names = "--random-weights", required = true, description = "random weights made on the device")
    boolean randomWeights;

    @Option(names = "--size", defaultValue = "1024")
    int size;

    @Option(names = "--refs", defaultValue = "1")
    int refs;

    @Option(names = "--txt", defaultValue = "300", description = "text tokens the transformer sees")
    int txt;

    @Option(names = "--device", defaultValue = "gpu")
    String device;

    @Option(names = "--forwards", defaultValue = "3", description = "timed transformer forwards per configuration")
    int forwards;

    @Option(names = "--warmup", defaultValue = "1")
    int warmup;

    @Option(names = "--config", defaultValue = "real-edit-2511")
    String config;

    @Option(names = "--lora-mib", defaultValue = "850",
            description = "random LoRA size for the switch timing on the resident fp8 model (0 = skip)")
    int loraMib;

    @Option(names = "--fp8-mm", description = "also time the fp8 matmul (torch._scaled_mm) on resident fp8")
    boolean fp8Mm;

    @Option(names = "--skip-te", description = "skip the text encoder stage")
    boolean skipTe;

    @Option(names = "--skip-vae", description = "skip the VAE stage")
    boolean skipVae;

    @Option(names = "--te-config", description = "a text_encoder config.json (default: the released Qwen2.5-VL-7B)")
    java.nio.file.Path teConfig;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private GpuTelemetry telemetry;
    private Device dev;

    private record Stage(double seconds, long peakBytes, String note) {}

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        boolean gpu = device.equalsIgnoreCase("gpu");
        TorchRuntime rt = TorchRuntime.configure(TorchRuntime.Settings.fromEnvironment(gpu)).verifyLoaded();
        rt.messages().forEach(m -> out.println("note: " + m));
        dev = rt.device();
        DataType dt = rt.floatType();
        telemetry = gpu ? GpuTelemetry.open() : GpuTelemetry.processOnly("cpu bench");
        String card = gpu && telemetry.gpuAvailable() ? telemetry.sample(0).deviceName() : "cpu";
        out.printf(Locale.ROOT, "preset bench: device=%s card=%s dtype=%s size=%d refs=%d%n", dev, card, dt, size, refs);
        QwenImageConfig cfg = QwenImageConfig.named(config);
        Map<String, Stage> te = new LinkedHashMap<>();
        Map<String, Stage> tr = new LinkedHashMap<>();
        Map<String, Stage> vaes = new LinkedHashMap<>();
        for (String b : budgets) {
            long budget = b.equalsIgnoreCase("none") ? Long.MAX_VALUE / 4 : (long) (Double.parseDouble(b) * (1L << 30));
            Stage vae = skipVae ? new Stage(0, 0, "skipped") : vaes.computeIfAbsent(b, k -> vaeStage(dt, budget, k));
            for (String entry : presets) {
                // "draft:fp8" times a preset with another transformer weight format than its JSON says
                String name = entry.contains(":") ? entry.substring(0, entry.indexOf(':')) : entry;
                JsonNode p = preset(name);
                int steps = p.path("steps").asInt();
                double cfgScale = p.path("cfg").asDouble(1.0);
                int cfgForwards = cfgScale > 1.0 ? 2 : 1;
                String weights = entry.contains(":") ? entry.substring(entry.indexOf(':') + 1)
                        : p.path("weights").asText("bf16");
                boolean fp8 = switch (weights) {
                    case "fp8" -> true;
                    case "bf16" -> false;
                    default -> !fitsResident(cfg, false, budget, steps, cfgForwards); // auto: bf16 when it fits
                };
                String teKey = (budget < 24L << 30) ? "fp8" : "bf16";
                Stage t = skipTe ? new Stage(0, 0, "skipped") : te.computeIfAbsent(teKey, k -> teStage(dt, k.equals("fp8")));
                String key = (fp8 ? "fp8" : "bf16") + "@" + b + "/cfg" + cfgForwards;
                Stage f = tr.computeIfAbsent(key, k -> transformerStage(cfg, dt, fp8, budget, b, steps, cfgForwards));
                // one forward per step: the pipelines run the CFG pair as one batch (DenoiseLoop.CfgMode.BATCHED)
                double total = t.seconds() + vae.seconds() + steps * f.seconds();
                long peak = Math.max(f.peakBytes(), Math.max(t.peakBytes(), vae.peakBytes()));
                out.printf(Locale.ROOT, "RESULT preset name=%s budget=%s weights=%s steps=%d cfg_forwards=%d "
                                + "te_s=%.3f(%s) forward_s=%.4f vae_s=%.3f total_s=%.2f peak_gib=%.2f within_budget=%s "
                                + "transformer=[%s] card=%s%n", name, b, fp8 ? "fp8" : "bf16", steps, cfgForwards,
                        t.seconds(), teKey, f.seconds(), vae.seconds(), total, gib(peak),
                        b.equalsIgnoreCase("none") || peak <= budget, f.note(), card.replace(' ', '_'));
                out.flush();
            }
        }
        telemetry.close();
        return 0;
    }

    private static JsonNode preset(String name) throws IOException {
        try (InputStream in = BenchPresetCommand.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no preset '" + name + "' (presets/" + name + ".json)");
            }
            return new ObjectMapper().readTree(in);
        }
    }

    private ComponentWeights transformerWeights(QwenImageConfig cfg, boolean fp8) {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        QwenImageWeights.expected(cfg).forEach((n, s) -> {
            long numel = Arrays.stream(s).reduce(1, (a, c) -> a * c);
            boolean q = fp8 && s.length == 2 && n.endsWith(".weight");
            tensors.put(n, new TensorInfo(n, q ? "F8_E4M3" : "BF16", s, numel * (q ? 1 : 2), null));
        });
        return ComponentWeights.of(ComponentRole.TRANSFORMER, "transformer", tensors,
                fp8 ? ComponentWeights.WeightPrecision.FP8 : ComponentWeights.WeightPrecision.BF16);
    }

    private MemoryPlan plan(QwenImageConfig cfg, boolean fp8, long budget, int steps, int cfgForwards) {
        DeviceProfile profile = telemetry.gpuAvailable() ? DeviceProfile.forName(telemetry.sample(0).deviceName())
                : DeviceProfile.UNKNOWN;
        MemoryPlanner planner = new MemoryPlanner(List.of(transformerWeights(cfg, fp8)), profile);
        return planner.plan(new PlanRequest(size, size, refs, steps, cfgForwards, txt, budget, 2, true, false, false));
    }

    private boolean fitsResident(QwenImageConfig cfg, boolean fp8, long budget, int steps, int cfgForwards) {
        MemoryPlan p = plan(cfg, fp8, budget, steps, cfgForwards);
        return p.feasible() && p.transformerBlocks().stream().noneMatch(BlockPlacement::streamed);
    }

    /** Runs {@code body} with an NVML sampler; frees torch's cache after it; returns the stage's process peak. */
    private long sampled(Runnable body) {
        JniUtils.emptyCudaCache();
        long[] peak = {0};
        try (TelemetrySampler s = telemetry.startSampler(0, Duration.ofMillis(10), x -> { })) {
            body.run();
            peak[0] = Math.max(s.peakProcessGpuBytes(), s.last() == null ? 0 : s.last().processGpuBytes());
        }
        JniUtils.emptyCudaCache();
        return peak[0];
    }

    private Stage transformerStage(QwenImageConfig cfg, DataType dt, boolean fp8, long budget, String label, int steps,
            int cfgForwards) {
        MemoryPlan plan = plan(cfg, fp8, budget, steps, cfgForwards);
        out.println("plan " + (fp8 ? "fp8" : "bf16") + "@" + label + ": " + plan.summary());
        if (!plan.feasible()) {
            return new Stage(Double.NaN, 0, "does-not-fit");
        }
        List<BlockPlacement> placement = plan.transformerBlocks();
        boolean streams = placement.stream().anyMatch(BlockPlacement::streamed);
        double[] median = {Double.NaN};
        String[] note = {""};
        long peak = sampled(() -> {
            int grid = size / 16;
            List<ImageShape> images = new ArrayList<>();
            for (int i = 0; i <= refs; i++) {
                images.add(new ImageShape(1, grid, grid));
            }
            long n = images.stream().mapToLong(ImageShape::tokens).sum();
            long t0 = System.nanoTime();
            try (NDManager wm = NDManager.newBaseManager(dev);
                    RandomWeightStore store = new RandomWeightStore(QwenImageWeights.expected(cfg));
                    RandomFp8Linears rf = fp8 ? new RandomFp8Linears(wm, dt,
                            TorchOps.load(wm).orElse(null)) : null) {
                Weights w = new Weights(store, wm, dt).withLinearFactory(rf);
                try (QwenImageTransformer model = QwenImageTransformer.load(cfg, w, QwenImageTransformer.Impl.FUSED,
                        streams ? placement : null); NDManager in = wm.newSubManager()) {
                    // batch = the CFG pair, as the pipelines run it (both prompts txt tokens long: no padding)
                    NDArray hidden = in.randomNormal(0f, 1f, new Shape(cfgForwards, n, cfg.inChannels()), dt);
                    NDArray enc = in.randomNormal(0f, 1f, new Shape(cfgForwards, txt, cfg.jointAttentionDim()), dt);
                    float[] ts = new float[cfgForwards];
                    java.util.Arrays.fill(ts, 0.5f);
                    NDArray t = in.create(ts);
                    List<List<ImageShape>> batchShapes = java.util.Collections.nCopies(cfgForwards, images);
                    Supplier<NDArray> f = () -> model.forward(hidden, enc, null, t, batchShapes);
                    sync(f.get());
                    double load = (System.nanoTime() - t0) / 1e9;
                    median[0] = time(f);
                    BlockStreamer bs = model.streamer().orElse(null);
                    if (bs != null && bs.overlapping()) {
                        NDArray on = f.get();
                        bs.overlap(false);
                        double off = time(f);
                        NDArray offOut = f.get();
                        bs.overlap(true);
                        out.printf(Locale.ROOT, "RESULT stage streaming-overlap weights=%s budget=%s side_stream_s=%.4f "
                                        + "one_stream_s=%.4f max_abs_diff=%.3g%n", fp8 ? "fp8" : "bf16", label, median[0],
                                off, maxAbs(on, offOut));
                        on.close();
                        offOut.close();
                    }
                    note[0] = String.format(Locale.ROOT, "load_s=%.1f resident_blocks=%d/%d streamed_gib_per_forward=%.2f "
                                    + "streamed_gib_per_step=%.2f copies=%s fp8=%s", load,
                            placement.stream().filter(p -> !p.streamed()).count(), placement.size(),
                            gib(bs == null ? 0 : bs.streamedBytesPerForward()),
                            gib(bs == null ? 0 : bs.streamedBytesPerForward()),
                            bs == null ? "none" : bs.overlapping() ? "pinned-side-stream" : bs.pinned() ? "pinned-async"
                                    : "plain",
                            rf == null ? "no" : rf.codec().toString().replace(' ', '_'));
                    if (fp8 && !streams && fp8Mm && rf != null && label.equalsIgnoreCase("none")) {
                        rf.codec().useScaledMm(true);
                        if (rf.codec().scaledMm()) {
                            NDArray ref;
                            rf.codec().useScaledMm(false);
                            ref = f.get();
                            rf.codec().useScaledMm(true);
                            double mm = time(f);
                            NDArray got = f.get();
                            double rel = relErr(got, ref);
                            out.printf(Locale.ROOT, "RESULT stage transformer-fp8-matmul budget=%s forward_s=%.4f "
                                    + "rel_rms_err_vs_bf16_dequant=%.4f%n", label, mm, rel);
                            rf.codec().useScaledMm(false);
                        } else {
                            out.println("RESULT stage transformer-fp8-matmul unavailable (ops file lacks fp8_linear_mm)");
                        }
                    }
                    if (fp8 && !streams && loraMib > 0 && label.equalsIgnoreCase("none")) {
                        loraSwitch(model, w, wm, f);
                    }
                }
            }
        });
        out.printf(Locale.ROOT, "RESULT stage transformer weights=%s budget=%s batch=" + cfgForwards
                + " forward_s=%.4f peak_gib=%.2f %s%n",
                fp8 ? "fp8" : "bf16", label, median[0], gib(peak), note[0]);
        out.flush();
        return new Stage(median[0], peak, note[0].replace(' ', ','));
    }

    /** A random lightx2v-style LoRA over every block Linear, rank chosen for ~{@code loraMib} MiB of bf16. */
    private void loraSwitch(QwenImageTransformer model, Weights w, NDManager wm, Supplier<NDArray> f) {
        Map<String, long[]> modules = new LinkedHashMap<>();
        w.modules().forEach((name, l) -> {
            if (name.contains("transformer_blocks.")) {
                modules.put(name, new long[] {l.outFeatures(), l.inFeatures()});
            }
        });
        long perRank = modules.values().stream().mapToLong(s -> s[0] + s[1]).sum() * 2;
        long rank = Math.max(1, (long) loraMib * (1L << 20) / perRank);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        modules.forEach((name, s) -> {
            shapes.put(name + ".lora_down.weight", new long[] {rank, s[1]});
            shapes.put(name + ".lora_up.weight", new long[] {s[0], rank});
        });
        try (RandomWeightStore lw = new RandomWeightStore(shapes); NDManager lm = wm.newSubManager()) {
            long t0 = System.nanoTime();
            LoraAdapter lora = LoraLoader.load(lw, modules, lm);
            double loadS = (System.nanoTime() - t0) / 1e9;
            double[] attach = new double[3];
            double[] remove = new double[3];
            double withLora = Double.NaN;
            for (int i = 0; i < 3; i++) {
                long a = System.nanoTime();
                LoraAdapter.Applied ap = lora.attach(w.modules(), 1f, lm);
                syncDevice(wm);
                attach[i] = (System.nanoTime() - a) / 1e9;
                if (i == 0) {
                    withLora = time(f);
                }
                long r = System.nanoTime();
                ap.remove();
                syncDevice(wm);
                remove[i] = (System.nanoTime() - r) / 1e9;
            }
            out.printf(Locale.ROOT, "RESULT stage lora-switch mib=%.0f rank=%d modules=%d make_s=%.2f attach_s=%s "
                            + "remove_s=%s forward_with_lora_s=%.4f%n", shapes.size() > 0 ? perRank * rank / 1048576.0 : 0,
                    rank, modules.size(), loadS, Arrays.toString(attach), Arrays.toString(remove), withLora);
            lora.close();
        }
    }

    private Stage teStage(DataType dt, boolean fp8) {
        QwenVlConfig cfg = teConfig != null ? QwenVlConfig.load(teConfig) : QwenVlConfig.qwen25Vl7b();
        int[] hw = BenchTextEncoderCommand.conditionPatchGrid(size, size, cfg);
        long[][] grid = {{1, hw[0], hw[1]}};
        int imageTokens = hw[0] * hw[1] / cfg.vision().spatialMergeUnit();
        long[][] ids = {BenchTextEncoderCommand.inputIds(cfg, imageTokens)};
        long[][] mask = new long[1][ids[0].length];
        Arrays.fill(mask[0], 1);
        double[] med = {Double.NaN};
        long peak = sampled(() -> {
            try (NDManager m = NDManager.newBaseManager(dev);
                    RandomFp8Linears rf = fp8 ? new RandomFp8Linears(m, dt,
                            TorchOps.load(m).orElse(null)) : null;
                    QwenVlModel model = QwenVlModel.load(new RandomWeightStore(QwenVlTensors.shapes(cfg)), cfg, dev, dt, rf)) {
                NDArray pixels = m.randomNormal(0f, 1f, new Shape((long) hw[0] * hw[1], cfg.vision().patchDim()),
                        DataType.FLOAT32);
                // the edit pipeline encodes the prompt with the image, and the negative prompt (CFG) the same way
                med[0] = time(() -> model.forward(ids, mask, pixels, grid, m));
            }
        });
        out.printf(Locale.ROOT, "RESULT stage text-encoder weights=%s forward_s=%.4f peak_gib=%.2f%n",
                fp8 ? "fp8" : "bf16", med[0], gib(peak));
        out.flush();
        return new Stage(med[0], peak, fp8 ? "fp8" : "bf16");
    }

    /** One reference encode + the final decode, tiled where the VAE's planner says the budget needs it. */
    private Stage vaeStage(DataType dt, long budget, String label) {
        QwenImageVaeConfig config = QwenImageVaeConfig.qwenImage();
        double[] sec = {Double.NaN};
        String[] tiling = {""};
        long peak = sampled(() -> {
            try (NDManager root = NDManager.newBaseManager(dev)) {
                QwenImageVae vae = QwenImageVae.random(config, root, dev, dt, 1234);
                vae.setMemoryBudget(Math.min(budget, 1L << 50) - MemoryPlanner.CONTEXT_BYTES);
                var enc = vae.planEncode(size, size).orElse(null);
                var decT = vae.planDecode(size, size).orElse(null);
                tiling[0] = (enc == null ? "untiled" : "tiled") + "/" + (decT == null ? "untiled" : "tiled");
                int s = config.spatialCompression();
                NDArray image = root.randomUniform(-1f, 1f, new Shape(1, 3, 1, size, size)).toType(dt, false);
                NDArray latents = root.randomNormal(new Shape(1, config.zDim(), 1, size / s, size / s)).toType(dt, false);
                sec[0] = time(() -> {
                    vae.encode(image, enc).close();
                    return vae.decode(latents, decT);
                });
                vae.close();
            }
        });
        out.printf(Locale.ROOT, "RESULT stage vae budget=%s encode+decode_s=%.4f peak_gib=%.2f encode/decode=%s%n", label,
                sec[0], gib(peak), tiling[0]);
        out.flush();
        return new Stage(sec[0], peak, "vae");
    }

    private double time(Supplier<NDArray> f) {
        for (int i = 0; i < warmup; i++) {
            sync(f.get());
        }
        double[] t = new double[Math.max(1, forwards)];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            sync(f.get());
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    private static double relErr(NDArray got, NDArray ref) {
        try (NDArray g = got.toType(DataType.FLOAT32, false); NDArray r = ref.toType(DataType.FLOAT32, false);
                NDArray d = g.sub(r); NDArray dn = d.square().mean(); NDArray rn = r.square().mean()) {
            return Math.sqrt(dn.getFloat() / Math.max(1e-30, rn.getFloat()));
        }
    }

    private static double maxAbs(NDArray a, NDArray b) {
        try (NDArray x = a.toType(DataType.FLOAT32, false); NDArray y = b.toType(DataType.FLOAT32, false);
                NDArray d = x.sub(y); NDArray ad = d.abs(); NDArray m = ad.max()) {
            return m.getFloat();
        }
    }

    private static void syncDevice(NDManager m) {
        try (NDArray a = m.zeros(new Shape(1))) {
            sync(a);
        }
    }

    /** Waits for the device by copying one element to the host; closes {@code a}. */
    private static void sync(NDArray a) {
        try (a; NDArray flat = a.flatten(); NDArray first = flat.get(0);
                NDArray one = first.toType(DataType.FLOAT32, true)) {
            one.toFloatArray();
        }
    }

    private static double gib(long b) {
        return b / (double) (1L << 30);
    }
}
