package dev.atelier.inference.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.api.EngineError;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.LoraSpec;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.lora.LoraAdapter;
import dev.atelier.inference.lora.LoraLoader;
import dev.atelier.inference.model.qwenimage.QwenImageConfig;
import dev.atelier.inference.model.qwenimage.QwenImageTransformer;
import dev.atelier.inference.model.qwenvl.QwenVlModel;
import dev.atelier.inference.model.vae.QwenImageVae;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.runtime.BlockPlacement;
import dev.atelier.inference.runtime.ComponentPlan;
import dev.atelier.inference.runtime.ComponentRole;
import dev.atelier.inference.runtime.MemoryPlan;
import dev.atelier.inference.runtime.VaeTiling;
import dev.atelier.inference.sched.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A diffusers Qwen-Image model folder ({@code model_index.json} + {@code scheduler/ text_encoder/ tokenizer/
 * [processor/] transformer/ vae/}) with its components loaded lazily on first use and kept until {@link #close}.
 * A missing folder or file fails with {@link FailureKind#MODEL_MISSING} naming it (e.g. "the model folder X has no
 * vae/ (the VAE)"); unreadable configs or weights with {@link FailureKind#MODEL_INVALID}.
 *
 * <p>ComfyUI: {@link #open} given a ComfyUI {@code models/} folder (or a transformer file in its
 * {@code diffusion_models/}) reads the single files through {@link ComfyModelSource} instead (the {@code comfy != null}
 * branches of the component methods); {@link #setWeightVariant} picks the transformer file.
 *
 * <p>Native memory: every component's weights live in its own child of the bundle's manager.
 */
public final class ModelBundle implements AutoCloseable {
    /** Which pipeline family the folder is for ({@code model_index.json}'s {@code _class_name}). */
    public enum Kind { EDIT, TEXT_TO_IMAGE }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@link #open(Path, NDManager)} on a GPU: auto (bf16 when safe, else float16), float32 or float16 (parity). */
    public static final String GPU_DTYPE_PROPERTY = "atelier.gpu.dtype";

    private final Path dir;
    private final Kind kind;
    private final String className;
    private final Device device;
    private final DataType dtype;
    private final NDManager manager;
    private final java.util.Set<String> loadedFiles = new java.util.LinkedHashSet<>();
    private SchedulerConfig scheduler;
    // volatile: the telemetry thread reads which components are resident (residentComponents) without the lock
    private volatile QwenImageTransformer transformer;
    private NDManager transformerManager;
    private List<LoraSpec> loras = List.of();
    private final List<String> loraFiles = new ArrayList<>();
    private volatile QwenImageVae vae;
    private volatile PromptEncoder promptEncoder;
    /** Components released before the next stage loads (the plan's STAGED ones: stage offload). */
    private java.util.Set<ComponentRole> staged = java.util.EnumSet.noneOf(ComponentRole.class);
    private VaeTiling plannedTiling;
    private List<BlockPlacement> blockPlacement = List.of();
    private final java.util.List<ComponentRole> releases = new ArrayList<>();
    // --- ComfyUI single files (ComfyModelSource): null for a diffusers folder ---
    private final ComfyModelSource comfy;
    private dev.atelier.inference.api.WeightVariant weightVariant = dev.atelier.inference.api.WeightVariant.AUTO;
    // --- end ComfyUI ---

    private ModelBundle(Path dir, Kind kind, String className, Device device, DataType dtype, NDManager parent) {
        this(dir, kind, className, device, dtype, parent, null);
    }

    private ModelBundle(Path dir, Kind kind, String className, Device device, DataType dtype, NDManager parent,
            ComfyModelSource comfy) {
        this.comfy = comfy;
        this.dir = dir;
        this.kind = kind;
        this.className = className;
        this.device = device;
        this.dtype = dtype;
        this.manager = parent.newSubManager(device);
    }

    /**
     * Opens a model folder on {@code parent}'s device: on the CPU in float32 (the parity setting); on a GPU in the
     * configured runtime's precision ({@code atelier parity --device gpu}).
     */
    public static ModelBundle open(Path dir, NDManager parent) {
        Device d = parent.getDevice();
        if (!d.isGpu()) {
            return open(dir, parent, Device.cpu(), DataType.FLOAT32);
        }
        var rt = dev.atelier.inference.runtime.TorchRuntime.current();
        DataType dt = rt != null && rt.bf16() ? DataType.BFLOAT16 : DataType.FLOAT16;
        String forced = System.getProperty(GPU_DTYPE_PROPERTY, "auto");
        if (forced.equalsIgnoreCase("float32")) {
            dt = DataType.FLOAT32;
        } else if (forced.equalsIgnoreCase("float16")) {
            dt = DataType.FLOAT16;
        }
        return open(dir, parent, d, dt);
    }

    /**
     * Reads {@code model_index.json}, or scans a ComfyUI {@code models/} folder (or a transformer file in its
     * {@code diffusion_models/}, see {@link ComfyModelSource}); nothing is loaded yet.
     */
    public static ModelBundle open(Path dir, NDManager parent, Device device, DataType dtype) {
        return open(dir, parent, device, dtype, null);
    }

    /**
     * As {@link #open(Path, NDManager, Device, DataType)}; {@code preferred} picks the model family of a ComfyUI
     * folder that holds both (see {@link ComfyModelSource#detect(Path, Kind)}); null = Edit.
     */
    public static ModelBundle open(Path dir, NDManager parent, Device device, DataType dtype, Kind preferred) {
        if (dir == null || !Files.exists(dir)) {
            throw missing("the model folder " + dir + " does not exist", "Choose the folder that holds model_index.json.");
        }
        ComfyModelSource comfy = ComfyModelSource.detect(dir, preferred);
        if (comfy != null) {
            return new ModelBundle(dir, comfy.kind(), comfy.className(), device, dtype, parent, comfy);
        }
        if (!Files.isDirectory(dir)) {
            throw new EngineError(FailureKind.MODEL_INVALID, dir + " is a single file outside a ComfyUI models/"
                    + "diffusion_models/ folder", "Point --model at a diffusers folder (model_index.json, transformer/, vae/) "
                    + "or at ComfyUI's models/ folder (diffusion_models/, text_encoders/, vae/).");
        }
        Path index = dir.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            throw missing("the model folder " + dir + " has no model_index.json (not a diffusers model folder)",
                    "Point --model at the folder that holds model_index.json, transformer/ and vae/.");
        }
        String cls;
        try {
            JsonNode n = JSON.readTree(index.toFile());
            cls = n.path("_class_name").asText("");
        } catch (IOException e) {
            throw invalid(index + ": not valid JSON (" + e.getMessage() + ")");
        }
        Kind kind = cls.contains("Edit") ? Kind.EDIT : cls.startsWith("QwenImage") ? Kind.TEXT_TO_IMAGE : null;
        if (kind == null) {
            throw invalid(index + ": _class_name '" + cls + "' is not a Qwen-Image pipeline (QwenImagePipeline, "
                    + "QwenImageEditPlusPipeline, ...)");
        }
        return new ModelBundle(dir, kind, cls, device, dtype, parent);
    }

    public Path dir() {
        return dir;
    }

    /** The ComfyUI source when this bundle reads ComfyUI single files, else empty (a diffusers folder). */
    public java.util.Optional<ComfyModelSource> comfy() {
        return java.util.Optional.ofNullable(comfy);
    }

    /**
     * Which transformer weights the next {@link #transformer()} loads (ComfyUI folders: the bf16, fp8 or GGUF file;
     * a diffusers folder has one set and ignores it). A change drops a loaded transformer.
     */
    public synchronized void setWeightVariant(dev.atelier.inference.api.WeightVariant v) {
        v = v == null ? dev.atelier.inference.api.WeightVariant.AUTO : v;
        if (comfy == null || v == weightVariant) {
            return;
        }
        comfy.choose(v); // fails now, naming the file to download, when that variant is absent
        if (transformer != null) {
            releaseTransformer();
        }
        weightVariant = v;
    }

    public Kind kind() {
        return kind;
    }

    public String className() {
        return className;
    }

    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    // ---- memory plan: stage offload, VAE tiling, block placement ------------------------------------------------

    /**
     * Applies a memory plan ({@link dev.atelier.inference.runtime.MemoryPlanner}): components it places
     * {@code STAGED} are released (closed, weights unmapped from the device) when the next stage's component is
     * requested, in diffusers' {@code model_cpu_offload_seq} order text encoder → transformer → VAE; the VAE decodes
     * in the plan's tiles; the transformer's {@link BlockPlacement}s are handed to it (see {@link #transformer()}).
     * A component already loaded that the plan stages stays until the next stage asks for room.
     */
    public synchronized void applyPlan(MemoryPlan plan) {
        java.util.Set<ComponentRole> s = java.util.EnumSet.noneOf(ComponentRole.class);
        for (ComponentPlan c : plan.components()) {
            if (c.placement() == ComponentPlan.Placement.STAGED) {
                s.add(c.role());
            }
        }
        staged = s;
        plannedTiling = plan.vaeTiling();
        if (vae != null) {
            applyVaeBudget(vae);
        }
        List<BlockPlacement> blocks = plan.transformerBlocks();
        boolean streamedBefore = blockPlacement.stream().anyMatch(BlockPlacement::streamed);
        boolean streamedNow = blocks.stream().anyMatch(BlockPlacement::streamed);
        boolean changed = (streamedBefore || streamedNow) && !blocks.equals(blockPlacement);
        blockPlacement = blocks;
        if (changed && transformer != null) {
            // placement is applied while loading: drop the loaded transformer so the next stage loads it as planned
            releaseTransformer();
            releases.add(ComponentRole.TRANSFORMER);
        }
    }

    /** No plan: everything stays loaded, whole-image VAE by its own budget (the CPU / parity setting). */
    public synchronized void clearPlan() {
        staged = java.util.EnumSet.noneOf(ComponentRole.class);
        plannedTiling = null;
        blockPlacement = List.of();
        if (vae != null) {
            applyVaeBudget(vae);
        }
    }

    /** The plan's VAE tiling, or null for a whole-image decode. */
    public synchronized dev.atelier.inference.model.vae.VaeTiling vaeTiling() {
        if (plannedTiling == null || !plannedTiling.tiled()) {
            return null;
        }
        int compression = vae != null ? vae.config().spatialCompression() : PipelineSupport.VAE_SCALE;
        return dev.atelier.inference.model.vae.VaeTiling.fromPlan(plannedTiling, compression);
    }

    /** Components released by stage offload so far (in order; tests and logs). */
    public synchronized List<ComponentRole> releases() {
        return List.copyOf(releases);
    }

    /** Releases every loaded component (after a GPU out-of-memory, before the retry). */
    public synchronized void releaseAll() {
        release(ComponentRole.TEXT_ENCODER);
        release(ComponentRole.TRANSFORMER);
        release(ComponentRole.VAE);
    }

    /** Closes one component's weights if loaded; the next use loads it again. */
    public synchronized void release(ComponentRole role) {
        switch (role) {
            case TEXT_ENCODER -> {
                if (promptEncoder != null) {
                    promptEncoder.close();
                    promptEncoder = null;
                    releases.add(role);
                }
            }
            case TRANSFORMER -> {
                if (transformer != null) {
                    releaseTransformer();
                    releases.add(role);
                }
            }
            case VAE -> {
                if (vae != null) {
                    vae.close();
                    vae = null;
                    releases.add(role);
                }
            }
        }
    }

    private void releaseTransformer() {
        transformer.close();
        transformer = null;
        transformerManager.close();
        transformerManager = null;
    }

    /** Before {@code next}'s stage: the staged components other than {@code next} make room. */
    private void makeRoomFor(ComponentRole next) {
        for (ComponentRole r : ComponentRole.values()) {
            if (r != next && staged.contains(r)) {
                release(r);
            }
        }
    }

    /**
     * The plan's tiling goes to decode explicitly; encodes (reference images) tile by the VAE's own estimate within
     * the plan's decode peak when the plan tiles, and run whole otherwise.
     */
    private void applyVaeBudget(QwenImageVae v) {
        boolean tiled = plannedTiling != null && plannedTiling.tiled();
        v.setMemoryBudget(tiled ? Math.max(1, plannedTiling.peakBytes()) : Long.MAX_VALUE);
    }

    /** Which components are loaded now and their planned device bytes (telemetry; no lock taken). */
    public java.util.Map<String, Long> residentComponents(java.util.Map<ComponentRole, Long> sizes) {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (promptEncoder != null) {
            m.put("text_encoder", sizes.getOrDefault(ComponentRole.TEXT_ENCODER, 0L));
        }
        if (transformer != null) {
            m.put("transformer", sizes.getOrDefault(ComponentRole.TRANSFORMER, 0L));
        }
        QwenImageVae v = vae;
        if (v != null) {
            m.put("vae", sizes.containsKey(ComponentRole.VAE) ? sizes.get(ComponentRole.VAE) : v.parameterBytes());
        }
        return m;
    }

    /** Weight files loaded so far (for the generation parameters). */
    public synchronized List<String> loadedFiles() {
        List<String> all = new ArrayList<>(loadedFiles);
        all.addAll(loraFiles);
        return List.copyOf(all);
    }

    /** Whether {@code component} ("transformer", "vae", "text_encoder") is loaded already. */
    public synchronized boolean isLoaded(String component) {
        return switch (component) {
            case "transformer" -> transformer != null;
            case "vae" -> vae != null;
            case "text_encoder" -> promptEncoder != null;
            default -> throw new IllegalArgumentException("unknown component " + component);
        };
    }

    /** Bytes of the loaded weights per component (for memory events). */
    public synchronized java.util.Map<String, Long> loadedBytes() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (vae != null) {
            m.put("vae", vae.parameterBytes());
        }
        return m;
    }

    public synchronized SchedulerConfig scheduler() {
        if (scheduler == null && comfy != null) {
            scheduler = comfy.scheduler();
        }
        if (scheduler == null) {
            Path cfg = file("scheduler", "scheduler_config.json", "the scheduler");
            scheduler = readConfig(cfg, () -> SchedulerConfig.read(cfg));
        }
        return scheduler;
    }

    public synchronized QwenImageTransformer transformer() {
        makeRoomFor(ComponentRole.TRANSFORMER);
        if (transformer == null) {
            Path folder;
            QwenImageConfig config;
            WeightStore opened;
            ComfyModelSource.Transformer t = null;
            if (comfy != null) {
                t = comfy.openTransformer(weightVariant);
                folder = t.file();
                config = t.config();
                opened = t.store();
            } else {
                folder = folder("transformer", "the diffusion transformer");
                Path cfg = file("transformer", "config.json", "the diffusion transformer");
                requireWeights(folder, "the diffusion transformer");
                config = readConfig(cfg, () -> QwenImageConfig.read(cfg));
                opened = WeightStores.open(folder);
            }
            NDManager m = manager.newSubManager();
            try (WeightStore store = opened) {
                Weights w = new Weights(store, m, dtype);
                var fp8 = t == null ? null : comfy.fp8Linears(t, m, dtype); // ComfyUI fp8 kept 8-bit on a GPU
                if (fp8 != null) {
                    w = w.withLinearFactory(fp8);
                }
                // the plan's per-block placement, applied while loading (STREAMED blocks go to host memory as they
                // load, so loading never holds more on the GPU than the plan); null = every block resident
                List<BlockPlacement> placement = blockPlacement.stream().anyMatch(BlockPlacement::streamed)
                        ? blockPlacement : null;
                transformer = QwenImageTransformer.load(config, w, QwenImageTransformer.Impl.FUSED, placement);
                transformerManager = m;
                mergeLoras(store, w, m, fp8 != null);
            } catch (RuntimeException e) {
                if (transformer != null) {
                    transformer.close();
                    transformer = null;
                }
                m.close();
                throw e;
            }
            record(folder);
        }
        return transformer;
    }

    /**
     * The LoRAs merged into the transformer ({@code W + s * delta}, in the weights' dtype). A different list than
     * the current one drops the loaded transformer, so the next {@link #transformer()} reloads it from disk and
     * merges these (exact: no subtract-and-re-add drift between jobs). A file is looked up as given, then in the
     * model folder, its {@code loras/} and {@code lora/} folders and the model folder's parent.
     */
    public synchronized void setLoras(List<LoraSpec> specs) {
        List<LoraSpec> next = List.copyOf(specs);
        if (next.equals(loras)) {
            return;
        }
        for (LoraSpec l : next) {
            LoraLoader.check(resolveLora(l.file()));
        }
        if (transformer != null) {
            transformer.close();
            transformer = null;
            transformerManager.close();
            transformerManager = null;
        }
        loras = next;
    }

    private void mergeLoras(WeightStore store, Weights w, NDManager m, boolean attach) {
        loraFiles.clear();
        if (loras.isEmpty()) {
            return;
        }
        java.util.Map<String, long[]> modules = LoraLoader.linearModules(store);
        for (LoraSpec l : loras) {
            Path file = resolveLora(l.file());
            try (LoraAdapter a = LoraLoader.load(file, modules, m)) {
                if (attach) { // fp8 kept 8-bit: never requantise a merged weight, add the low-rank path instead
                    a.attach(w.modules(), (float) l.strength(), m);
                } else {
                    a.merge(w.modules(), (float) l.strength());
                }
            }
            loraFiles.add(file.toString());
        }
    }

    /** Where a LoRA file named in a request or preset is. */
    Path resolveLora(String file) {
        Path given = Path.of(file);
        Path dir = comfy != null ? comfy.root() : this.dir;
        List<Path> candidates = given.isAbsolute() ? List.of(given) : List.of(given, dir.resolve(file),
                dir.resolve("loras").resolve(file), dir.resolve("lora").resolve(file),
                dir.toAbsolutePath().getParent() == null ? given : dir.toAbsolutePath().getParent().resolve(file));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c;
            }
        }
        throw missing("LoRA " + file + " not found (looked in " + candidates.stream().map(Path::toString).distinct()
                .toList() + ")", "Give the LoRA's full path, or put it in the model folder's loras/ folder.");
    }

    public synchronized QwenImageVae vae() {
        makeRoomFor(ComponentRole.VAE);
        if (vae == null && comfy != null) {
            QwenImageVae v = comfy.loadVae(manager, device, dtype);
            applyVaeBudget(v);
            vae = v;
            record(comfy.vaeFile());
        }
        if (vae == null) {
            Path folder = folder("vae", "the VAE");
            file("vae", "config.json", "the VAE");
            requireWeights(folder, "the VAE");
            QwenImageVae v = readConfig(folder.resolve("config.json"),
                    () -> QwenImageVae.load(folder, manager, device, dtype));
            applyVaeBudget(v);
            vae = v;
            record(folder);
        }
        return vae;
    }

    public synchronized PromptEncoder promptEncoder() {
        makeRoomFor(ComponentRole.TEXT_ENCODER);
        if (promptEncoder == null && comfy != null) {
            promptEncoder = comfy.loadPromptEncoder(device, dtype);
            record(comfy.textEncoderFile());
        }
        if (promptEncoder == null) {
            Path te = folder("text_encoder", "the text encoder (Qwen2.5-VL)");
            file("text_encoder", "config.json", "the text encoder (Qwen2.5-VL)");
            requireWeights(te, "the text encoder (Qwen2.5-VL)");
            Path tokens = kind == Kind.EDIT ? folder("processor", "the Qwen2-VL processor (tokenizer + image settings)")
                    : folder("tokenizer", "the tokenizer");
            QwenVlModel model = readConfig(te.resolve("config.json"), () -> QwenVlModel.load(te, null, device, dtype));
            promptEncoder = PromptEncoder.create(model, tokens, kind == Kind.EDIT);
            record(te);
        }
        return promptEncoder;
    }

    private void record(Path folder) {
        if (Files.isRegularFile(folder)) {
            loadedFiles.add(folder.toString());
            return;
        }
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
                    .forEach(p -> loadedFiles.add(p.toString()));
        } catch (IOException e) {
            loadedFiles.add(folder.toString());
        }
    }

    private Path folder(String name, String what) {
        Path p = dir.resolve(name);
        if (!Files.isDirectory(p)) {
            throw missing("the model folder " + dir + " has no " + name + "/ (" + what + ")",
                    "Download the complete model (every folder listed in model_index.json), or pick another model folder.");
        }
        return p;
    }

    private Path file(String folder, String name, String what) {
        Path p = folder(folder, what).resolve(name);
        if (!Files.isRegularFile(p)) {
            throw missing(p + " is missing (" + what + ")", "Download the complete model folder again.");
        }
        return p;
    }

    private static void requireWeights(Path folder, String what) {
        try (Stream<Path> s = Files.list(folder)) {
            if (s.noneMatch(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors"))) {
                throw missing(folder + " holds no .safetensors weights (" + what + ")",
                        "Download the weights of this folder (the download may be incomplete).");
            }
        } catch (IOException e) {
            throw missing(folder + ": cannot list (" + e.getMessage() + ")", "Check the folder's permissions.");
        }
    }

    /**
     * Runs {@code read} (a config read, or a load that reads the component's config first): a config.json that is not
     * valid JSON or holds a value of the wrong type fails with MODEL_INVALID naming the file, the line or field.
     * Damaged weights ({@link dev.atelier.inference.io.WeightFormatException}) pass through: they name their file.
     */
    private static <T> T readConfig(Path config, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (java.io.UncheckedIOException | IllegalArgumentException e) {
            throw invalid(ConfigErrors.describe(config, e));
        }
    }

    private static EngineError missing(String message, String suggestion) {
        return new EngineError(FailureKind.MODEL_MISSING, message, suggestion);
    }

    private static EngineError invalid(String message) {
        return new EngineError(FailureKind.MODEL_INVALID, message, "Download the model folder again.");
    }

    @Override
    public synchronized void close() {
        if (transformer != null) {
            transformer.close();
            transformerManager.close();
        }
        if (vae != null) {
            vae.close();
        }
        if (promptEncoder != null) {
            promptEncoder.close();
        }
        manager.close();
    }
}
