package dev.atelier.inference.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.ModelSetup;
import dev.atelier.inference.api.WeightVariant;
import dev.atelier.inference.io.KeyMapper;
import dev.atelier.inference.io.MappedStore;
import dev.atelier.inference.io.ModelDetector;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.model.qwenimage.QwenImageConfig;
import dev.atelier.inference.model.qwenvl.ImageProcessorConfig;
import dev.atelier.inference.model.qwenvl.QwenTokenizer;
import dev.atelier.inference.model.qwenvl.QwenVlConfig;
import dev.atelier.inference.model.qwenvl.QwenVlImageProcessor;
import dev.atelier.inference.model.qwenvl.QwenVlModel;
import dev.atelier.inference.model.qwenvl.QwenVlProcessor;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.model.vae.QwenImageVaeConfig;
import dev.atelier.inference.nn.Fp8Weights;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.sched.SchedulerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A ComfyUI {@code models/} folder as the source of a {@link ModelBundle}'s components: the diffusion transformer from
 * {@code diffusion_models/} (or {@code unet/}; bf16, fp8 scaled / mixed or GGUF single files), the Qwen2.5-VL text
 * encoder from {@code text_encoders/} (or {@code clip/}), the VAE from {@code vae/}, LoRAs from {@code loras/}. Every
 * file is recognised from its header ({@link ModelDetector}: names, dtypes, markers), never from its name, and read
 * through {@link KeyMapper} (ComfyUI/GGUF names to the diffusers names the model code binds; fp8 and GGUF weights
 * are dequantised by the stores at load).
 *
 * <p>Which transformer file: {@link WeightVariant#BF16} a bf16/fp16/fp32 file, {@link WeightVariant#FP8} an fp8 file
 * (what the quick-preview preset asks for), {@link WeightVariant#AUTO} the file {@code --model} named, else bf16,
 * fp8, GGUF in that order. A variant whose file is absent fails with {@link FailureKind#MODEL_MISSING} naming the
 * exact file to download. Edit-2511 vs 2512: the {@code __index_timestep_zero__} marker (GGUF: {@code general.name},
 * then the file name).
 *
 * <p>What single files do not carry comes with Atelier: the transformer and VAE configs are inferred from the tensor
 * shapes ({@link QwenImageConfig#detectFromWeights}, {@link QwenImageVaeConfig#detectFromWeights}), the text encoder
 * takes the released Qwen2.5-VL-7B config, the tokenizer is the bundled Qwen2.5 one ({@link QwenTokenizer#bundled()}),
 * the image processor and scheduler configs are the released Qwen-Image ones (resources {@code comfy-defaults/}).
 * A folder {@code atelier/} inside {@code models/}, laid out like a diffusers folder without weights
 * ({@code transformer/config.json}, {@code vae/config.json}, {@code text_encoder/config.json},
 * {@code scheduler/scheduler_config.json}, {@code processor/}, {@code tokenizer/}), overrides any of these — for
 * models that differ from the released architecture or vocabulary (the tests' tiny fixture model).
 */
public final class ComfyModelSource {
    /** The override folder inside {@code models/}. */
    public static final String OVERRIDES = "atelier";
    static final String T2I_BF16 = "qwen_image_2512_bf16.safetensors";
    static final String T2I_FP8 = "qwen_image_2512_fp8_e4m3fn.safetensors";
    static final String T2I_SOURCE = "https://huggingface.co/Comfy-Org/Qwen-Image_ComfyUI";

    private static final List<String> TRANSFORMER_DIRS = List.of("diffusion_models", "unet");
    private static final List<String> TEXT_ENCODER_DIRS = List.of("text_encoders", "clip");
    private static final String DEFAULTS = "/dev/atelier/inference/pipeline/comfy-defaults/";

    /** A transformer file with what its header says. */
    public record Candidate(Path file, ModelDetector.Format format, String architecture) {
        boolean fp8() {
            return format == ModelDetector.Format.FP8_SCALED || format == ModelDetector.Format.FP8_MIXED
                    || format == ModelDetector.Format.FP8_UNSCALED;
        }

        boolean gguf() {
            return format == ModelDetector.Format.GGUF;
        }

        boolean full() {
            return !fp8() && !gguf();
        }

        boolean edit() {
            String a = architecture.toLowerCase(Locale.ROOT);
            return a.contains("edit-2511") || (a.contains("variant unknown")
                    && file.getFileName().toString().toLowerCase(Locale.ROOT).contains("edit"));
        }
    }

    /** The transformer chosen for a run: the file, its config and its store under diffusers names. */
    public record Transformer(Path file, QwenImageConfig config, MappedStore store) {}

    private final Path root;
    private final Path pinned;
    private final ModelBundle.Kind kind;
    private final List<Candidate> transformers;
    private Boolean keepFp8;

    private ComfyModelSource(Path root, Path pinned, ModelBundle.Kind kind, List<Candidate> transformers) {
        this.root = root;
        this.pinned = pinned;
        this.kind = kind;
        this.transformers = transformers;
    }

    /**
     * The ComfyUI source of {@code path} — a {@code models/} folder (it has {@code diffusion_models/},
     * {@code unet/}, {@code text_encoders/}, {@code clip/} or {@code vae/}) or a transformer file inside its
     * {@code diffusion_models/} — or null when {@code path} is neither (a diffusers folder, say).
     */
    public static ComfyModelSource detect(Path path) {
        return detect(path, null);
    }

    /**
     * As {@link #detect(Path)}; when the folder holds transformers of both families (Edit-2511 and 2512 side by side,
     * one text encoder and VAE for both), {@code preferred} picks the family (null: Edit). A pinned file decides by
     * itself.
     */
    public static ComfyModelSource detect(Path path, ModelBundle.Kind preferred) {
        if (path == null || !Files.exists(path)) {
            return null;
        }
        Path root;
        Path pinned = null;
        if (Files.isRegularFile(path)) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent == null || parent.getParent() == null || !TRANSFORMER_DIRS.contains(parent.getFileName().toString())) {
                return null;
            }
            root = parent.getParent();
            pinned = path;
        } else if (!Files.isRegularFile(path.resolve("model_index.json")) && Stream.concat(Stream.concat(
                TRANSFORMER_DIRS.stream(), TEXT_ENCODER_DIRS.stream()), Stream.of("vae"))
                .anyMatch(s -> Files.isDirectory(path.resolve(s)))) {
            root = path;
        } else {
            return null;
        }
        List<Candidate> found = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        List<Path> files = new ArrayList<>(weightFiles(root, TRANSFORMER_DIRS));
        if (pinned != null && files.stream().noneMatch(p -> p.toAbsolutePath().equals(path.toAbsolutePath()))) {
            files.add(pinned);
        }
        for (Path f : files) {
            try {
                ModelDetector.Detection d = ModelDetector.detect(f);
                if (d.component() == ModelDetector.Component.TRANSFORMER) {
                    found.add(new Candidate(f, d.format(), d.architecture()));
                } else {
                    unusable.add(f.getFileName() + ": not a diffusion transformer (by its tensor names: "
                            + (d.component() == ModelDetector.Component.UNKNOWN ? "unknown" : d.component().name()
                            .toLowerCase(Locale.ROOT).replace('_', ' ')) + ")");
                }
            } catch (RuntimeException e) {
                if (f.equals(pinned)) {
                    throw new EngineError(FailureKind.MODEL_INVALID, f + ": " + e.getMessage(), "Download the file again.");
                }
                unusable.add(f.getFileName() + ": " + e.getMessage());
            }
        }
        Candidate pin = pinned == null ? null : found.stream().filter(c -> c.file().equals(path)).findFirst()
                .orElseThrow(() -> new EngineError(FailureKind.MODEL_INVALID, path + " is not a Qwen-Image diffusion "
                        + "transformer (by its tensor names)", "Choose the qwen_image_edit_2511_*.safetensors or .gguf file."));
        ModelBundle.Kind kind;
        if (pin != null) {
            kind = pin.edit() ? ModelBundle.Kind.EDIT : ModelBundle.Kind.TEXT_TO_IMAGE;
        } else if (preferred == ModelBundle.Kind.TEXT_TO_IMAGE && found.stream().anyMatch(c -> !c.edit())) {
            kind = ModelBundle.Kind.TEXT_TO_IMAGE;
        } else if (found.stream().anyMatch(Candidate::edit)) {
            kind = ModelBundle.Kind.EDIT;
        } else if (!found.isEmpty()) {
            kind = ModelBundle.Kind.TEXT_TO_IMAGE;
        } else {
            throw new EngineError(FailureKind.MODEL_MISSING, "the ComfyUI models folder " + root + " has no Qwen-Image "
                    + "diffusion model in diffusion_models/" + (unusable.isEmpty() ? "" : " (unusable: " + unusable + ")"),
                    (unusable.isEmpty() ? "" : "Download the unusable files again, or download ")
                    + "diffusion_models/" + ModelSetup.BF16_TRANSFORMER
                    + " or " + ModelSetup.FP8_TRANSFORMER + " (" + ModelSetup.COMFY_SOURCE + ") into " + root
                    + "/diffusion_models/.");
        }
        List<Candidate> same = found.stream().filter(c -> c.edit() == (kind == ModelBundle.Kind.EDIT))
                .sorted(Comparator.comparing(c -> c.file().getFileName().toString())).toList();
        return new ComfyModelSource(root, pinned, kind, same);
    }

    public Path root() {
        return root;
    }

    public ModelBundle.Kind kind() {
        return kind;
    }

    /** What {@link ModelBundle#className()} reports. */
    public String className() {
        return "ComfyUI models folder (" + (kind == ModelBundle.Kind.EDIT ? "QwenImageEditPlusPipeline"
                : "QwenImagePipeline") + ")";
    }

    /** The transformer files of this model's family found in {@code diffusion_models/}. */
    public List<Candidate> transformers() {
        return transformers;
    }

    /** The transformer file {@code variant} selects (see the class comment). */
    public Candidate choose(WeightVariant variant) {
        boolean edit = kind == ModelBundle.Kind.EDIT;
        return switch (variant == null ? WeightVariant.AUTO : variant) {
            case FP8 -> first(transformers.stream().filter(Candidate::fp8), "fp8",
                    edit ? ModelSetup.FP8_TRANSFORMER : T2I_FP8);
            case BF16 -> first(transformers.stream().filter(Candidate::full), "bf16",
                    edit ? ModelSetup.BF16_TRANSFORMER : T2I_BF16);
            case AUTO -> {
                if (pinned != null) {
                    yield transformers.stream().filter(c -> c.file().equals(pinned)).findFirst().orElseThrow();
                }
                yield transformers.stream().filter(Candidate::full).findFirst()
                        .or(() -> transformers.stream().filter(Candidate::fp8).findFirst())
                        .or(() -> transformers.stream().findFirst())
                        .orElseThrow();
            }
        };
    }

    private Candidate first(Stream<Candidate> s, String what, String download) {
        return s.findFirst().orElseThrow(() -> new EngineError(FailureKind.MODEL_MISSING, "no " + what
                + " transformer file in " + root.resolve("diffusion_models") + " (found: " + transformers.stream()
                .map(c -> c.file().getFileName() + " " + c.format().name().toLowerCase(Locale.ROOT)).toList() + ")",
                "Download diffusion_models/" + download + " (" + (kind == ModelBundle.Kind.EDIT
                        ? ModelSetup.COMFY_SOURCE : T2I_SOURCE) + "), or choose other weights (--weights "
                        + (what.equals("fp8") ? "bf16" : "fp8") + " / auto)."));
    }

    /** Opens the chosen transformer under diffusers names with its configuration; the caller closes the store. */
    public Transformer openTransformer(WeightVariant variant) {
        Candidate c = choose(variant);
        MappedStore store = KeyMapper.view(WeightStores.open(c.file()), KeyMapper.Component.TRANSFORMER);
        try {
            Path override = root.resolve(OVERRIDES).resolve("transformer").resolve("config.json");
            QwenImageConfig config = Files.isRegularFile(override) ? QwenImageConfig.read(override)
                    : QwenImageConfig.detectFromWeights(store).withZeroCondT(c.edit());
            return new Transformer(c.file(), config, store);
        } catch (RuntimeException e) {
            store.close();
            throw invalid(c.file(), e);
        }
    }

    /**
     * Whether fp8 Linear weights stay 8-bit on the device ({@link Fp8Weights}, dequantised per layer for the matmul)
     * instead of being widened at load: by default on a GPU, never on the CPU. Set explicitly for tests.
     */
    public synchronized ComfyModelSource keepFp8(boolean keep) {
        keepFp8 = keep;
        return this;
    }

    /**
     * The Linear factory that keeps the chosen file's fp8 weights 8-bit (owned by {@code m}: closed with it), or null
     * when the weights load as float (CPU, or not an fp8 file). LoRAs must then be attached, not merged.
     */
    synchronized Fp8Weights fp8Linears(Transformer t, NDManager m, DataType dtype) {
        boolean keep = keepFp8 != null ? keepFp8 : m.getDevice().isGpu();
        boolean fp8 = transformers.stream().anyMatch(c -> c.file().equals(t.file()) && c.fp8());
        if (!keep || !fp8) {
            return null;
        }
        Fp8Weights f = new Fp8Weights(m, dtype, m.getDevice().isGpu() ? TorchOps.load(m).orElse(null) : null);
        m.attachInternal("fp8-linears-" + java.util.UUID.randomUUID(), f);
        return f;
    }

    /** The VAE file in {@code vae/}. */
    public Path vaeFile() {
        return find(List.of("vae"), ModelDetector.Component.VAE, "vae/" + ModelSetup.VAE, "the VAE");
    }

    /** Loads the VAE (config inferred from the weights unless overridden). */
    public QwenImageVae loadVae(NDManager parent, Device device, DataType dtype) {
        Path file = vaeFile();
        try (MappedStore store = KeyMapper.view(WeightStores.open(file), KeyMapper.Component.VAE)) {
            Path override = root.resolve(OVERRIDES).resolve("vae");
            QwenImageVaeConfig config = Files.isRegularFile(override.resolve("config.json"))
                    ? QwenImageVaeConfig.load(override) : QwenImageVaeConfig.detectFromWeights(store.tensors());
            return QwenImageVae.load(config, store, parent, device, dtype);
        }
    }

    /** The text encoder file in {@code text_encoders/} (bf16 preferred over fp8 when both are there). */
    public Path textEncoderFile() {
        return find(TEXT_ENCODER_DIRS, ModelDetector.Component.TEXT_ENCODER, "text_encoders/" + ModelSetup.TEXT_ENCODER,
                "the text encoder (Qwen2.5-VL)");
    }

    /** Loads the text encoder with the tokenizer (and, for edits, the image processor). */
    public PromptEncoder loadPromptEncoder(Device device, DataType dtype) {
        Path file = textEncoderFile();
        QwenVlModel model = QwenVlModel.load(file, textEncoderConfig(), device, dtype);
        try {
            QwenTokenizer tokenizer = tokenizer();
            if (kind != ModelBundle.Kind.EDIT) {
                return PromptEncoder.of(model, tokenizer, null);
            }
            return PromptEncoder.of(model, tokenizer, new QwenVlProcessor(tokenizer,
                    new QwenVlImageProcessor(imageProcessorConfig())));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** {@code atelier/text_encoder/config.json}, else the released Qwen2.5-VL-7B config. */
    public QwenVlConfig textEncoderConfig() {
        Path over = root.resolve(OVERRIDES).resolve("text_encoder");
        return Files.isRegularFile(over.resolve("config.json")) ? QwenVlConfig.fromFolder(over) : QwenVlConfig.qwen25Vl7b();
    }

    /** The tokenizer folder of the overrides ({@code atelier/processor/} for edits, else {@code atelier/tokenizer/}). */
    public java.util.Optional<Path> tokenizerOverride() {
        Path over = root.resolve(OVERRIDES);
        for (Path p : kind == ModelBundle.Kind.EDIT ? List.of(over.resolve("processor"), over.resolve("tokenizer"))
                : List.of(over.resolve("tokenizer"))) {
            if (Files.isRegularFile(p.resolve("vocab.json")) || Files.isRegularFile(p.resolve("tokenizer.json"))) {
                return java.util.Optional.of(p);
            }
        }
        return java.util.Optional.empty();
    }

    /** The override's tokenizer, else the bundled Qwen2.5 tokenizer (what real ComfyUI users get). */
    public QwenTokenizer tokenizer() {
        return tokenizerOverride().map(QwenTokenizer::fromFolder).orElseGet(QwenTokenizer::bundled);
    }

    /** {@code atelier/processor/}'s image settings, else the released Qwen-Image-Edit-2511 ones. */
    public ImageProcessorConfig imageProcessorConfig() {
        Path proc = root.resolve(OVERRIDES).resolve("processor");
        return Files.isRegularFile(proc.resolve("preprocessor_config.json"))
                || Files.isRegularFile(proc.resolve("processor_config.json")) ? ImageProcessorConfig.fromFolder(proc)
                : ImageProcessorConfig.fromJson(resource("preprocessor_config.json"), Path.of(DEFAULTS));
    }

    /** {@code atelier/scheduler/scheduler_config.json}, else the released Qwen-Image scheduler config. */
    public SchedulerConfig scheduler() {
        Path override = root.resolve(OVERRIDES).resolve("scheduler").resolve("scheduler_config.json");
        return Files.isRegularFile(override) ? SchedulerConfig.read(override)
                : SchedulerConfig.fromJson(resource("scheduler_config.json"));
    }

    /** A bundled default config ({@code comfy-defaults/<name>}). */
    static com.fasterxml.jackson.databind.JsonNode resource(String name) {
        try (InputStream in = ComfyModelSource.class.getResourceAsStream(DEFAULTS + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS + name);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path find(List<String> dirs, ModelDetector.Component component, String download, String what) {
        List<String> problems = new ArrayList<>();
        List<Path> hits = new ArrayList<>();
        for (Path f : weightFiles(root, dirs)) {
            try {
                ModelDetector.Detection d = ModelDetector.detect(f);
                if (d.component() == component) {
                    boolean full = d.format() == ModelDetector.Format.BF16 || d.format() == ModelDetector.Format.FP32
                            || d.format() == ModelDetector.Format.FP16;
                    hits.add(full ? 0 : hits.size(), f);
                }
            } catch (RuntimeException e) {
                problems.add(f.getFileName() + ": " + e.getMessage());
            }
        }
        if (hits.isEmpty()) {
            throw new EngineError(FailureKind.MODEL_MISSING, "the ComfyUI models folder " + root + " has no " + what
                    + " (looked in " + dirs.stream().map(d -> d + "/").toList() + (problems.isEmpty() ? ""
                    : "; unusable: " + problems) + ")", "Download " + download + " ("
                    + "https://huggingface.co/Comfy-Org/Qwen-Image_ComfyUI) into " + root + "/" + dirs.getFirst() + "/.");
        }
        return hits.getFirst();
    }

    private static List<Path> weightFiles(Path root, List<String> dirs) {
        List<Path> out = new ArrayList<>();
        for (String d : dirs) {
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(Files::isRegularFile).filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".safetensors") || n.endsWith(".gguf");
                }).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new EngineError(FailureKind.MODEL_MISSING, dir + ": cannot list (" + e.getMessage() + ")",
                        "Check the folder's permissions.");
            }
        }
        return out;
    }

    private static EngineError invalid(Path file, RuntimeException e) {
        if (e instanceof EngineError ee) {
            return ee;
        }
        return new EngineError(FailureKind.MODEL_INVALID, file + ": " + e.getMessage(), "Download the file again.");
    }
}
