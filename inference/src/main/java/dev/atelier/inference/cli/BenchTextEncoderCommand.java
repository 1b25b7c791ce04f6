package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.RandomWeightStore;
import dev.atelier.inference.model.qwenvl.QwenVlConfig;
import dev.atelier.inference.model.qwenvl.QwenVlModel;
import dev.atelier.inference.model.qwenvl.PromptTemplate;
import dev.atelier.inference.model.qwenvl.QwenVlPromptEncoder;
import dev.atelier.inference.model.qwenvl.QwenVlTensors;
import dev.atelier.inference.runtime.TorchRuntime;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code atelier bench text-encoder}: times the Qwen2.5-VL text encoder on an edit prompt (one condition image and
 * a 40-word instruction) with the released 7B config and random weights. The photo (default 1024x1024) is sized as
 * the edit-plus pipeline does it: {@code calculate_dimensions(384*384, w/h)} (multiples of 32), then the processor's
 * {@code smart_resize} (multiples of 28): 1024x1024 -> 384x384 -> 392x392, grid [1, 28, 28], 784 patches, 196 image
 * tokens. Token ids: 70 template tokens (64 dropped + "user\nPicture 1: "), {@code <|vision_start|>}, the image pads,
 * {@code <|vision_end|>}, 52 prompt tokens (~40 English words), 5 closing tokens; the same ids as
 * {@code packaging/bench/transformers_text_encoder_bench.py}. Prints {@code RESULT} lines (mean ms of the timed runs).
 */
@Command(name = "text-encoder", mixinStandardHelpOptions = true,
        description = "Time the Qwen2.5-VL text encoder (vision tower + language model) on an edit prompt.")
public final class BenchTextEncoderCommand implements Callable<Integer> {
    static final int PREFIX_TOKENS = 70;
    static final int PROMPT_TOKENS = 52;
    static final int SUFFIX_TOKENS = 5;

    @Option(names = "--random-weights", description = "random weights with the config's shapes (no download needed)")
    boolean randomWeights;

    @Option(names = "--model", description = "instead of random weights: a pipeline folder, text_encoder folder or "
            + "ComfyUI text-encoder file")
    Path model;

    @Option(names = "--device", defaultValue = "gpu", description = "gpu or cpu (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", description = "bf16 or f32 (default: bf16 on gpu, f32 on cpu: the stock CPU JNI has no bf16)")
    String dtype;

    @Option(names = "--config", description = "a text_encoder config.json (default: the released Qwen2.5-VL-7B)")
    Path config;

    @Option(names = "--image-size", defaultValue = "1024x1024", description = "photo WxH before the condition resize")
    String imageSize;

    @Option(names = "--fixture", description = "also run the fixture's edit prompt with its tiny text encoder in the "
            + "bench dtype on the bench device and print the error against the fp32 CPU reference hidden states")
    Path fixture;

    @Option(names = "--warmup", defaultValue = "2")
    int warmup;

    @Option(names = "--iters", defaultValue = "5")
    int iters;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(new CommandLine(new BenchTextEncoderCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (randomWeights == (model != null)) {
            spec.commandLine().getErr().println("error: pass either --random-weights or --model PATH");
            return 2;
        }
        boolean gpu = switch (device.toLowerCase(Locale.ROOT)) {
            case "gpu", "cuda" -> true;
            case "cpu" -> false;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--device must be gpu or cpu");
        };
        // libtorch + the patched JNI as the rest of Atelier finds them (run-on-device.sh's PYTORCH_LIBRARY_PATH wins)
        TorchRuntime rt = TorchRuntime.configure(TorchRuntime.Settings.fromEnvironment(gpu)).verifyLoaded();
        rt.messages().forEach(msg -> out.println("note: " + msg));
        if (gpu && rt.backend() != TorchRuntime.Backend.GPU) {
            spec.commandLine().getErr().println("error: no GPU engine (" + rt.describe() + ")");
            return 2;
        }
        Device dev = rt.device();
        String dt = dtype != null ? dtype : gpu ? "bf16" : "f32";
        DataType dataType = dt.equalsIgnoreCase("bf16") ? DataType.BFLOAT16 : DataType.FLOAT32;
        if (dataType == DataType.BFLOAT16 && rt.floatType() != DataType.BFLOAT16) {
            out.println("note: this JNI cannot use bf16; running in " + rt.floatType());
            dataType = rt.floatType();
            dt = dataType.toString();
        }
        QwenVlConfig given = config != null ? QwenVlConfig.load(config) : null;
        QwenVlConfig cfg = given != null ? given : model != null ? configOf(model) : QwenVlConfig.qwen25Vl7b();
        String[] wh = imageSize.toLowerCase(Locale.ROOT).split("x");
        int[] hw = conditionPatchGrid(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]), cfg);
        long[][] grid = {{1, hw[0], hw[1]}};
        int imageTokens = hw[0] * hw[1] / cfg.vision().spatialMergeUnit();
        long[][] ids = {inputIds(cfg, imageTokens)};
        long[][] mask = new long[1][ids[0].length];
        Arrays.fill(mask[0], 1);
        out.printf(Locale.ROOT, "text-encoder bench: device=%s dtype=%s params=%.2fB image=%s grid=%s patches=%d "
                        + "image_tokens=%d seq_len=%d warmup=%d iters=%d%n", dev, dt,
                QwenVlTensors.parameterCount(cfg) / 1e9, imageSize, Arrays.toString(grid[0]), hw[0] * hw[1], imageTokens,
                ids[0].length, warmup, iters);
        out.flush();
        long t0 = System.nanoTime();
        try (QwenVlModel model = this.model != null ? QwenVlModel.load(this.model, cfg, dev, dataType)
                        : QwenVlModel.load(new RandomWeightStore(QwenVlTensors.shapes(cfg)), cfg, dev, dataType);
                NDManager m = NDManager.newBaseManager(dev)) {
            // a tiny forward makes sure every weight has been created on the device
            sync(model.imageEmbeds(m.zeros(new Shape(cfg.vision().spatialMergeUnit(), cfg.vision().patchDim())),
                    new long[][] {{1, cfg.vision().spatialMergeSize(), cfg.vision().spatialMergeSize()}}, m));
            out.printf(Locale.ROOT, "RESULT text_encoder.load_s=%.2f%n", (System.nanoTime() - t0) / 1e9);
            NDArray pixels = m.randomNormal(0f, 1f, new Shape((long) hw[0] * hw[1], cfg.vision().patchDim()),
                    DataType.FLOAT32);
            QwenVlPromptEncoder encoder = new QwenVlPromptEncoder(model);
            double vision = time(() -> model.imageEmbeds(pixels, grid, m));
            out.printf(Locale.ROOT, "RESULT text_encoder.vision_ms=%.2f%n", vision);
            out.flush();
            double full = time(() -> model.forward(ids, mask, pixels, grid, m));
            out.printf(Locale.ROOT, "RESULT text_encoder.edit_forward_ms=%.2f%n", full);
            out.flush();
            double embeds = time(() -> encoder.encode(ids, mask, pixels, grid, PromptTemplate.EDIT_PLUS.dropIndex(), m)
                    .embeds());
            out.printf(Locale.ROOT, "RESULT text_encoder.edit_prompt_embeds_ms=%.2f%n", embeds);
            long[][] textIds = {textOnlyIds(cfg)};
            long[][] textMask = new long[1][textIds[0].length];
            Arrays.fill(textMask[0], 1);
            double text = time(() -> model.forward(textIds, textMask, null, null, m));
            out.printf(Locale.ROOT, "RESULT text_encoder.t2i_forward_ms=%.2f (seq_len=%d)%n", text, textIds[0].length);
        }
        if (fixture != null) {
            fixtureError(out, dev, dataType);
        }
        out.flush();
        return 0;
    }

    /** max |bf16 - fp32 reference| of the edit prompt's last hidden state on the fixture's tiny encoder. */
    private void fixtureError(PrintWriter out, Device dev, DataType dataType) {
        dev.atelier.inference.parity.Fixture f = new dev.atelier.inference.parity.Fixture(fixture);
        Path te = f.editModel().orElseThrow(() -> new IllegalArgumentException(fixture + " has no edit pipeline folder"))
                .resolve("text_encoder");
        try (QwenVlModel model = QwenVlModel.load(te, null, dev, dataType);
                NDManager m = NDManager.newBaseManager(dev);
                dev.atelier.inference.io.SafetensorsFile proc = f.openReference("processor");
                dev.atelier.inference.io.SafetensorsFile ref = f.openReference("text_encoder")) {
            NDArray ids = proc.load("input_ids", m);
            NDArray mask = proc.load("attention_mask", m);
            NDArray grid = proc.load("image_grid_thw", m);
            NDArray hidden = model.forward(rows(ids), rows(mask), proc.load("pixel_values", m), rows(grid), m)
                    .toType(DataType.FLOAT32, false);
            NDArray expected = ref.load("edit.hidden_states_last", m).toDevice(dev, false);
            float maxAbs = hidden.sub(expected).abs().max().toFloatArray()[0];
            float maxRef = expected.abs().max().toFloatArray()[0];
            out.printf(Locale.ROOT, "RESULT text_encoder.fixture_edit_hidden_%s_vs_fp32_ref max_abs=%.4e max_ref=%.4e "
                    + "rel=%.4e%n", dataType == DataType.BFLOAT16 ? "bf16" : "f32", maxAbs, maxRef, maxAbs / maxRef);
        }
    }

    private static long[][] rows(NDArray a) {
        long[] flat = a.toType(DataType.INT64, false).toLongArray();
        int r = (int) a.getShape().get(0);
        int c = (int) (a.getShape().size() / r);
        long[][] out = new long[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, out[i], 0, c);
        }
        return out;
    }

    private static QwenVlConfig configOf(Path p) {
        Path folder = java.nio.file.Files.isRegularFile(p.resolve("model_index.json")) ? p.resolve("text_encoder") : p;
        return java.nio.file.Files.isRegularFile(folder.resolve("config.json")) ? QwenVlConfig.fromFolder(folder)
                : QwenVlConfig.qwen25Vl7b();
    }

    private double time(java.util.function.Supplier<NDArray> run) {
        for (int i = 0; i < warmup; i++) {
            try (NDScope s = new NDScope()) {
                sync(run.get());
            }
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            try (NDScope s = new NDScope()) {
                NDArray r = run.get();
                if (i == iters - 1) {
                    sync(r);
                }
            }
        }
        return (System.nanoTime() - t0) / 1e6 / Math.max(1, iters);
    }

    private static void sync(NDArray a) {
        a.flatten().get(0).toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * Patch grid (h, w) of the condition image: diffusers' calculate_dimensions(384*384, w/h) then transformers'
     * smart_resize(factor = patch * merge). Python's round() is banker's rounding; ties do not occur for the sizes
     * used here.
     */
    static int[] conditionPatchGrid(int width, int height, QwenVlConfig cfg) {
        double ratio = (double) width / height;
        double w = Math.sqrt(384.0 * 384.0 * ratio);
        double h = w / ratio;
        long cw = Math.round(w / 32) * 32;
        long ch = Math.round(h / 32) * 32;
        int factor = cfg.vision().patchSize() * cfg.vision().spatialMergeSize();
        long hb = Math.max(factor, Math.round((double) ch / factor) * factor);
        long wb = Math.max(factor, Math.round((double) cw / factor) * factor);
        return new int[] {(int) hb / cfg.vision().patchSize(), (int) wb / cfg.vision().patchSize()};
    }

    /** Deterministic ordinary-text token ids (shared formula with the Python bench). */
    static long textId(int k, QwenVlConfig cfg) {
        long limit = Math.min(cfg.text().vocabSize(), cfg.visionStartTokenId()) - 10;
        return 10 + (k * 7919L) % Math.max(1, limit);
    }

    static long[] inputIds(QwenVlConfig cfg, int imageTokens) {
        int n = PREFIX_TOKENS + 1 + imageTokens + 1 + PROMPT_TOKENS + SUFFIX_TOKENS;
        long[] ids = new long[n];
        int k = 0;
        for (int i = 0; i < PREFIX_TOKENS; i++, k++) {
            ids[k] = textId(k, cfg);
        }
        ids[k++] = cfg.visionStartTokenId();
        for (int i = 0; i < imageTokens; i++) {
            ids[k++] = cfg.imageTokenId();
        }
        ids[k++] = cfg.visionEndTokenId();
        while (k < n) {
            ids[k] = textId(k, cfg);
            k++;
        }
        return ids;
    }

    /** The text-to-image prompt: 34 template tokens + the 52 prompt tokens + 5 closing tokens. */
    static long[] textOnlyIds(QwenVlConfig cfg) {
        long[] ids = new long[34 + PROMPT_TOKENS + SUFFIX_TOKENS];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = textId(k, cfg);
        }
        return ids;
    }
}
