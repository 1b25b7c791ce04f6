package dev.atelier.inference.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationParameters;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.SizePolicy;
import dev.atelier.inference.pipeline.CropPlan;
import dev.atelier.inference.pipeline.DenoiseLoop;
import dev.atelier.inference.pipeline.Dimensions;
import dev.atelier.inference.pipeline.EditPipeline;
import dev.atelier.inference.pipeline.InpaintPipeline;
import dev.atelier.inference.pipeline.MaskComposite;
import dev.atelier.inference.pipeline.ModelBundle;
import dev.atelier.inference.pipeline.NoiseSource;
import dev.atelier.inference.pipeline.PipelineSupport;
import dev.atelier.inference.pipeline.TextToImagePipeline;
import dev.atelier.inference.runtime.DeviceInfo;
import dev.atelier.inference.runtime.GpuTelemetry;
import dev.atelier.inference.runtime.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real pipelines as {@link PipelineRunner}s: edit requests run {@link EditPipeline} (no mask) or the edit
 * {@link InpaintPipeline} (mask: crop around the mask for photos above the model's working area, decode, resize back,
 * composite the original outside the mask with a feathered edge so unmasked pixels stay bit-identical), generate
 * requests {@link TextToImagePipeline}. The last model folder stays loaded between jobs.
 *
 * <p>Device: {@link #localEngine(EngineSettings)} configures the torch runtime once ({@link #computeTarget}) and puts
 * the root manager on the chosen device; the models load there in its float type. Memory: each job runs under
 * {@link JobMemory} — a plan within the VRAM budget (Stage note "Note: memory plan: ..."), stage offload and VAE
 * tiling applied to the bundle, Memory events while it runs, and one retry with a tighter plan after a GPU
 * out-of-memory (then OUT_OF_MEMORY with a suggestion).
 *
 * <p>Native memory: loaded models live under the root manager; every job runs in a sub-manager closed when it ends
 * (done, failed or cancelled), and every denoising step in its own sub-manager, so a cancelled job returns native
 * memory to its level before the job.
 */
public final class QwenImageRunners implements AutoCloseable {
    /** Pixels the model works at (about 1024², the area of {@code calculate_dimensions(1024 * 1024, ...)}). */
    public static final long WORKING_AREA = (long) Dimensions.VAE_IMAGE_SIZE;

    private final NDManager root;
    private final long workingArea;
    private final ComputeTarget target;
    private final JobMemory memory;
    private ModelBundle bundle;
    private boolean notesShown;
    private volatile StepFault stepFault;
    private int attempt;

    /** Test hook: called inside every denoising step with the job's attempt (1, 2 after an OOM retry). */
    @FunctionalInterface
    public interface StepFault {
        void onStep(int attempt, int stepIndex);
    }

    public QwenImageRunners(NDManager root) {
        this(root, WORKING_AREA);
    }

    /** @param workingArea pixels the model works at (tests use a smaller area than the models' 1024²) */
    public QwenImageRunners(NDManager root, long workingArea) {
        this(root, workingArea, ComputeTarget.CPU_FLOAT32, EngineSettings.cpu());
    }

    /**
     * @param root   the engine's root manager, on {@code target}'s device
     * @param target where and in which float type the models run
     */
    public QwenImageRunners(NDManager root, long workingArea, ComputeTarget target, EngineSettings settings) {
        this.root = root;
        this.workingArea = workingArea;
        this.target = target;
        this.memory = new JobMemory(target, settings);
    }

    /** An engine with both pipelines as the environment says ({@link EngineSettings#fromEnvironment()}). */
    public static LocalEngine localEngine() {
        return localEngine(EngineSettings.fromEnvironment());
    }

    /**
     * An engine with both pipelines: the torch runtime configured once for the process ({@link #computeTarget}),
     * then the root manager on its device; closing the engine releases the models.
     */
    public static LocalEngine localEngine(EngineSettings settings) {
        ComputeTarget t = computeTarget(settings.device());
        return localEngine(new QwenImageRunners(NDManager.newBaseManager(t.device()), WORKING_AREA, t, settings));
    }

    private static ComputeTarget configured;

    /**
     * Configures the torch runtime ({@link TorchRuntime#configure}, once per process, before any NDManager) when a
     * GPU is wanted, and picks the device and float type ({@link ComputeTarget#select}). A CPU choice touches nothing.
     */
    public static synchronized ComputeTarget computeTarget(ComputeTarget.Choice choice) {
        if (!choice.wantsGpu()) {
            return ComputeTarget.CPU_FLOAT32;
        }
        if (configured != null) {
            return configured;
        }
        TorchRuntime rt = TorchRuntime.current();
        if (rt == null) {
            rt = TorchRuntime.configure(TorchRuntime.Settings.fromEnvironment(true));
        }
        if (rt.backend() == TorchRuntime.Backend.GPU) {
            rt = rt.verifyLoaded();
        }
        int gpus = rt.backend() == TorchRuntime.Backend.GPU ? DeviceInfo.djlGpuCount() : 0;
        Boolean bf16Native = null;
        if (rt.backend() == TorchRuntime.Backend.GPU) {
            try (GpuTelemetry t = GpuTelemetry.open()) {
                if (t.gpuAvailable()) {
                    int idx = rt.device().getDeviceId();
                    bf16Native = DeviceInfo.list(t.nvml()).stream().filter(d -> d.index() == idx).findFirst()
                            .map(DeviceInfo::bf16Native).orElse(null);
                }
            } catch (RuntimeException e) {
                bf16Native = null; // NVML unreadable: trust the runtime
            }
        }
        java.util.List<String> notes = new java.util.ArrayList<>(rt.messages());
        if (rt.backend() == TorchRuntime.Backend.GPU && !dev.atelier.inference.nn.AtelierNative.available()) {
            // results are the same, ~15 % slower (README: GPU set-up)
            notes.add("Atelier's CUDA kernels are not in use: " + dev.atelier.inference.nn.AtelierNative.status());
        }
        configured = ComputeTarget.select(choice, rt.backend(), Math.max(0, rt.device().getDeviceId()),
                rt.floatType(), rt.bf16(), gpus, bf16Native, notes);
        return configured;
    }

    /** An engine running {@code r}'s pipelines; closing it closes {@code r} and its root manager. */
    public static LocalEngine localEngine(QwenImageRunners r) {
        NDManager root = r.root();
        return new LocalEngine(r::edit, r::generate, "atelier-engine", () -> {
            r.close();
            root.close();
        });
    }

    public ComputeTarget target() {
        return target;
    }

    /** Installs (or, with null, removes) the test hook called inside every denoising step. */
    public void stepFault(StepFault f) {
        stepFault = f;
    }

    /** The loaded model bundle, or null (tests). */
    public synchronized ModelBundle bundle() {
        return bundle;
    }

    /** The root manager (tests compare its native arrays before and after a job). */
    public NDManager root() {
        return root;
    }

    private synchronized ModelBundle bundle(Path dir, ModelBundle.Kind kind, JobContext ctx, Request r) {
        if (!notesShown && (target.gpu() || !target.notes().isEmpty())) {
            notesShown = true;
            ctx.stage("Note: computing on " + target.describe());
            target.notes().forEach(n -> ctx.stage("Note: " + n));
        }
        if (bundle == null || !bundle.dir().equals(dir) || bundle.kind() != kind) {
            // another folder, or the other family of a ComfyUI folder that holds both (Edit-2511 and 2512). Opening
            // reads headers only: the loaded models are given up only for a folder that serves this kind of job
            ModelBundle next = ModelBundle.open(dir, root, target.device(), target.dtype(), kind);
            if (next.kind() != kind) {
                ModelBundle.Kind found = next.kind();
                String cls = next.className();
                next.close();
                throw RunSupport.badInput("model: " + dir + " is a " + (found == ModelBundle.Kind.EDIT
                        ? "Qwen-Image-Edit model (it edits photos)" : "text-to-image model") + " (" + cls + ")",
                        kind == ModelBundle.Kind.EDIT ? "Choose a Qwen-Image-Edit model folder for editing."
                                : "Choose a Qwen-Image (text-to-image) model folder for generating.");
            }
            if (bundle != null) {
                bundle.close();
            }
            bundle = next;
        }
        bundle.setWeightVariant(r.settings().weights());
        bundle.setLoras(r.settings().loras());
        return bundle;
    }

    public EngineEvent.Done generate(GenerateRequest r, JobContext ctx) {
        ModelBundle b = bundle(r.model(), ModelBundle.Kind.TEXT_TO_IMAGE, ctx, r);
        String negative = RunSupport.negative(r.settings(), r.negative());
        var shape = new JobMemory.JobShape(r.width(), r.height(), 0, r.settings().steps(), negative == null ? 1 : 2);
        attempt = 0;
        NoiseSource[] noise = new NoiseSource[1];
        RgbImage image = memory.run(b, shape, ctx, () -> {
            noise[0] = NoiseSource.seeded(r.settings().seed()); // a retry draws the same noise again
            try (NDManager run = root.newSubManager()) {
                var in = new TextToImagePipeline.Inputs(r.prompt(), negative, r.width(), r.height(),
                        RunSupport.sampling(r.settings()), null, noise[0], true);
                return new TextToImagePipeline(b).run(in, run, observer(ctx), null).image();
            }
        });
        return ctx.done(image, params(r, image, b, noise[0]));
    }

    public EngineEvent.Done edit(EditRequest r, JobContext ctx) {
        ModelBundle b = bundle(r.model(), ModelBundle.Kind.EDIT, ctx, r);
        String negative = RunSupport.negative(r.settings(), r.negative());
        Dimensions.Size work = Dimensions.calculateDimensions(workingArea, r.source().aspect());
        var shape = new JobMemory.JobShape(Math.max(16, work.width()), Math.max(16, work.height()),
                1 + r.references().size(), r.settings().steps(), negative == null ? 1 : 2);
        attempt = 0;
        NoiseSource[] noise = new NoiseSource[1];
        RgbImage image = memory.run(b, shape, ctx, () -> {
            noise[0] = NoiseSource.seeded(r.settings().seed()); // a retry draws the same noise again
            return r.mask() == null ? editWhole(r, b, noise[0], ctx) : editMasked(r, b, noise[0], ctx);
        });
        return ctx.done(image, params(r, image, b, noise[0]));
    }

    /** No mask: the edit-plus pipeline at the model's working size, resized to the requested output size. */
    private RgbImage editWhole(EditRequest r, ModelBundle b, NoiseSource noise, JobContext ctx) {
        int[] out = r.outputSize();
        int w;
        int h;
        if (r.size().mode() == SizePolicy.Mode.MATCH_SOURCE) {
            Dimensions.Size s = Dimensions.calculateDimensions(workingArea, r.source().aspect());
            w = s.width();
            h = s.height();
        } else {
            w = out[0];
            h = out[1];
        }
        List<RgbImage> images = new ArrayList<>();
        images.add(r.source());
        images.addAll(r.references());
        RgbImage result;
        try (NDManager run = root.newSubManager()) {
            var in = new EditPipeline.Inputs(images, r.prompt(), RunSupport.negative(r.settings(), r.negative()), w, h,
                    RunSupport.sampling(r.settings()), null, noise, true);
            result = new EditPipeline(b).run(in, run, observer(ctx), null).image();
        }
        return RunSupport.resize(result, out[0], out[1]);
    }

    /**
     * With a mask: the mask is brought to the photo's size, a crop around it is edited at the working size (the
     * whole photo when it is no larger than that), resized back and composited over the original.
     */
    private RgbImage editMasked(EditRequest r, ModelBundle b, NoiseSource noise, JobContext ctx) {
        RgbImage src = r.source();
        MaskImage mask = r.mask();
        if (mask.width() != src.width() || mask.height() != src.height()) {
            ctx.stage("Note: the mask is " + mask.width() + "x" + mask.height() + ", the photo " + src.width() + "x"
                    + src.height() + "; the mask was resized to the photo");
            mask = RunSupport.resize(mask, src.width(), src.height());
            if (mask.isEmpty()) {
                throw RunSupport.badInput("mask: nothing is painted after resizing it to the photo",
                        "Paint the area to change on a mask of the photo's size.");
            }
        }
        CropPlan plan = CropPlan.around(mask.values(), src.width(), src.height(), workingArea);
        RgbImage part = RunSupport.crop(src, plan.x(), plan.y(), plan.width(), plan.height());
        MaskImage partMask = RunSupport.crop(mask, plan.x(), plan.y(), plan.width(), plan.height());
        RgbImage generated;
        try (NDManager run = root.newSubManager()) {
            var in = new InpaintPipeline.Inputs(part, partMask, r.references(), r.prompt(),
                    RunSupport.negative(r.settings(), r.negative()), r.strength(), 0, 0,
                    RunSupport.sampling(r.settings()), noise, true, 0, workingArea);
            generated = new InpaintPipeline(b, InpaintPipeline.Mode.EDIT).run(in, run, observer(ctx), null).image();
        }
        ctx.stage(EngineEvent.Stage.COMPOSITE);
        generated = RunSupport.resize(generated, plan.width(), plan.height());
        int feather = Math.max(2, Math.min(plan.width(), plan.height()) / 128);
        int[] merged = MaskComposite.composite(part.argb(), generated.argb(), partMask.values(), plan.width(),
                plan.height(), feather);
        RgbImage full = RunSupport.paste(src, merged, plan.x(), plan.y(), plan.width(), plan.height());
        int[] out = r.outputSize();
        return RunSupport.resize(full, out[0], out[1]);
    }

    /** The job's observer; counts attempts for the test hook. */
    private PipelineSupport.Observer observer(JobContext ctx) {
        PipelineSupport.Observer base = RunSupport.observer(ctx);
        int thisAttempt = ++attempt;
        return new PipelineSupport.Observer() {
            @Override
            public void stage(String name) {
                base.stage(name);
            }

            @Override
            public void step(DenoiseLoop.Step step, int tokensH, int tokensW) {
                StepFault f = stepFault;
                if (f != null) {
                    f.onStep(thisAttempt, step.index());
                }
                base.step(step, tokensH, tokensW);
            }
        };
    }

    private static GenerationParameters params(Request r, RgbImage image, ModelBundle b, NoiseSource noise) {
        return GenerationParameters.of(r, image.width(), image.height(), b.loadedFiles(), RunSupport.ENGINE_VERSION,
                noise.id());
    }

    @Override
    public synchronized void close() {
        memory.close();
        if (bundle != null) {
            bundle.close();
            bundle = null;
        }
    }
}
