package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Atelier's TorchScript "ops" file: fused torch kernels (SDPA, norms, modulation, RoPE) reached from DJL through
 * {@code JniUtils.loadModule} + {@code IValueUtils.runMethod}. The file is made by {@code packaging/ops/make_ops.py}
 * and shipped as the resource {@value #RESOURCE}; its method list is documented there.
 *
 * <p>One instance per device: the module lives in the manager given to {@link #load}; close it with the model.
 */
public final class TorchOps implements AutoCloseable {
    public static final String RESOURCE = "/ops/atelier-ops-v1.pt";
    /**
     * The CUDA-only second file (side-stream copies for block streaming; it names torch.classes.cuda types, which a
     * CPU libtorch cannot load). Loaded only on a GPU, by {@link #loadStreams}.
     */
    public static final String STREAMS_RESOURCE = "/ops/atelier-cuda-streams-v1.pt";
    public static final long VERSION = 1;
    private static final System.Logger LOG = System.getLogger(TorchOps.class.getName());

    /**
     * TorchScript's profiling executor re-specialises a method for every new input shape (the image and text
     * streams alternate), which made a forward 20-80x slower on the CPU. It is switched off per thread (the flag is
     * thread-local in libtorch) unless {@code -Datelier.ops.optimize=true}.
     */
    private static final boolean OPTIMIZE = Boolean.getBoolean("atelier.ops.optimize");
    private static final ThreadLocal<Boolean> PREPARED = ThreadLocal.withInitial(() -> false);

    private final PtSymbolBlock module;
    private final String source;

    private TorchOps(PtSymbolBlock module, String source) {
        this.module = module;
        this.source = source;
    }

    /**
     * Loads the built-in ops file onto {@code manager}'s device, or {@code file} when not null. Returns empty (and
     * logs why) when the file is missing or libtorch cannot load it: callers then use the eager DJL path.
     */
    public static Optional<TorchOps> load(NDManager manager, Path file) {
        return load(manager, file, RESOURCE);
    }

    /**
     * The side-stream file on a GPU manager: {@code -Datelier.ops.streams=<file>}, else the built-in resource; empty
     * on the CPU or when it cannot load (block streaming then copies on the one stream).
     */
    public static Optional<TorchOps> loadStreams(NDManager manager) {
        if (!manager.getDevice().isGpu()) {
            return Optional.empty();
        }
        String p = System.getProperty("atelier.ops.streams");
        return load(manager, p == null || p.isBlank() ? null : Path.of(p), STREAMS_RESOURCE);
    }

    private static Optional<TorchOps> load(NDManager manager, Path file, String resource) {
        String what = file != null ? file.toString() : "resource " + resource;
        try {
            Path p = file != null ? file : extractResource(resource);
            PtSymbolBlock m = JniUtils.loadModule((PtNDManager) manager, p, true, new String[0], new String[0], false);
            TorchOps ops = new TorchOps(m, what);
            JniUtils.setGraphExecutorOptimize(OPTIMIZE);
            PREPARED.set(true);
            try (IValue v = IValueUtils.runMethod(m, "version")) {
                if (v.toLong() != VERSION) {
                    throw new IllegalStateException("ops file version " + v.toLong() + ", expected " + VERSION);
                }
            }
            return Optional.of(ops);
        } catch (RuntimeException | IOException | UnsatisfiedLinkError e) {
            LOG.log(System.Logger.Level.WARNING, resource.equals(STREAMS_RESOURCE)
                    ? "side-stream copies unavailable (" + what + ": " + e.getMessage() + "); streamed blocks are "
                            + "copied on the compute stream"
                    : "fused ops unavailable (" + what + ": " + e.getMessage()
                            + "); falling back to eager DJL attention and kernels");
            return Optional.empty();
        }
    }

    /** The built-in file, or the file named by the system property {@code atelier.ops} when set. */
    public static Optional<TorchOps> load(NDManager manager) {
        String p = System.getProperty("atelier.ops");
        return load(manager, p == null || p.isBlank() ? null : Path.of(p));
    }

    /** Whether the file has a method (true when calling it with {@code args} works). */
    public boolean has(String method, Object... args) {
        try (NDArray r = call(method, args)) {
            return r != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Path extractResource(String resource) throws IOException {
        try (InputStream in = TorchOps.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is not on the class path (build with mvn package)");
            }
            Path tmp = Files.createTempFile("atelier-ops-v" + VERSION + "-", ".pt");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }

    /**
     * Runs a method. Arguments: {@link NDArray} (must be PyTorch arrays), {@link Long}/{@link Integer},
     * {@link Double}/{@link Float}, {@link Boolean}. The result is created in the first array argument's manager
     * (and so in the current {@link ai.djl.ndarray.NDScope}).
     */
    public NDArray call(String method, Object... args) {
        if (!PREPARED.get()) {
            JniUtils.setGraphExecutorOptimize(OPTIMIZE);
            PREPARED.set(true);
        }
        List<IValue> in = new ArrayList<>(args.length);
        PtNDManager resultManager = null;
        try {
            for (Object a : args) {
                if (a instanceof NDArray arr) {
                    if (resultManager == null) {
                        resultManager = (PtNDManager) arr.getManager();
                    }
                    in.add(IValue.from((PtNDArray) arr));
                } else if (a instanceof Integer || a instanceof Long) {
                    in.add(IValue.from(((Number) a).longValue()));
                } else if (a instanceof Float || a instanceof Double) {
                    in.add(IValue.from(((Number) a).doubleValue()));
                } else if (a instanceof Boolean b) {
                    in.add(IValue.from(b));
                } else {
                    throw new IllegalArgumentException("ops." + method + ": unsupported argument " + a);
                }
            }
            try (IValue out = IValueUtils.runMethod(module, method, in.toArray(new IValue[0]))) {
                return out.toTensor(resultManager);
            }
        } finally {
            for (IValue v : in) {
                v.close();
            }
        }
    }

    /** Runs a method on raw IValues (the caller owns and closes the arguments and the result). */
    public IValue raw(String method, IValue... args) {
        return IValueUtils.runMethod(module, method, args);
    }

    public String source() {
        return source;
    }

    @Override
    public void close() {
        module.close();
    }
}
