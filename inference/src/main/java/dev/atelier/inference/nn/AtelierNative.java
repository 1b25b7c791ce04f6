package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Atelier's own CUDA kernels ({@code libatelier_kernels.so}, built from packaging/kernels against the same torch as
 * the DJL JNI). Loaded at most once per process, after DJL has loaded libtorch; when it is missing or does not fit,
 * every caller keeps its ops-file path ({@link #status()} says why).
 *
 * <p>Where it is looked for: {@code -Datelier.kernels.library=<file>} / {@code ATELIER_KERNELS_LIBRARY}, then the
 * folders a {@link #candidates} supplier gives (the runtime registers the folder of the JNI it chose). {@code
 * -Datelier.kernels=off} disables it.
 */
public final class AtelierNative {
    public static final String FILE_NAME = "libatelier_kernels.so";
    /** Must equal ABI_VERSION in atelier_jni.cpp. */
    static final int ABI = 4;

    private static volatile Supplier<List<Path>> candidates = List::of;
    private static volatile Boolean loaded;
    private static volatile String status = "not looked for yet";

    private AtelierNative() {
    }

    /** Folders (or files) to look in after the explicit setting; set by the runtime before the first model loads. */
    public static void candidates(Supplier<List<Path>> s) {
        candidates = s;
    }

    /** Loads the library if it can (once); true when its kernels can be called. */
    public static boolean available() {
        Boolean l = loaded;
        if (l != null) {
            return l;
        }
        synchronized (AtelierNative.class) {
            if (loaded == null) {
                loaded = tryLoad();
            }
            return loaded;
        }
    }

    /** What happened when loading (or why not). */
    public static String status() {
        return status;
    }

    private static boolean tryLoad() {
        if ("off".equalsIgnoreCase(System.getProperty("atelier.kernels", ""))) {
            status = "off (-Datelier.kernels=off)";
            return false;
        }
        List<Path> files = new ArrayList<>();
        String set = System.getProperty("atelier.kernels.library", System.getenv("ATELIER_KERNELS_LIBRARY"));
        if (set != null && !set.isBlank()) {
            files.add(Path.of(set));
        }
        for (Path p : candidates.get()) {
            files.add(Files.isDirectory(p) ? p.resolve(FILE_NAME) : p);
        }
        return tryLoad(files);
    }

    /** Loads the first existing file of {@code files}; sets {@link #status()}. (Package-private for tests.) */
    static boolean tryLoad(List<Path> files) {
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                continue;
            }
            try {
                System.load(f.toAbsolutePath().toString());
                int abi = abiVersion();
                if (abi != ABI) {
                    status = f + " has kernel ABI " + abi + ", this Atelier needs " + ABI
                            + ": rebuild it with packaging/kernels/build-kernels.sh";
                    return false;
                }
                String missing = missingEntryPoint();
                if (missing != null) {
                    status = f + " lacks " + missing + " (an older build): rebuild it with"
                            + " packaging/kernels/build-kernels.sh; using the ops file";
                    return false;
                }
                status = "loaded " + f;
                return true;
            } catch (UnsatisfiedLinkError e) {
                status = "could not load " + f + " (" + e.getMessage() + "): built for another torch? Rebuild it"
                        + " with packaging/kernels/build-kernels.sh; using the ops file";
                return false;
            }
        }
        status = "no " + FILE_NAME + (files.isEmpty() ? "" : " in " + files) + ": using the ops file";
        return false;
    }

    /**
     * Calls every entry point with a null handle: each one rejects it with an IllegalArgumentException before doing
     * anything, unless the symbol is missing (a library built from older sources with the same ABI number). Returns
     * the first missing one, or null.
     */
    private static String missingEntryPoint() {
        List<java.util.Map.Entry<String, Runnable>> probes = List.of(
                java.util.Map.entry("qkNormRopeInto", () -> qkNormRopeInto(0, 0, 0f, 0, 0, 0, 0)),
                java.util.Map.entry("normModulate", () -> normModulate(0, 0, 0, 0, 0, 0, 0f)),
                java.util.Map.entry("gatedAdd", () -> gatedAdd(0, 0, 0, 0, 0)),
                java.util.Map.entry("gatedAddNormModulate",
                        () -> gatedAddNormModulate(0, 0, 0, 0, 0, 0, 0, 0, 0, 0f)),
                java.util.Map.entry("fp8Quantize", () -> fp8Quantize(0, false)),
                java.util.Map.entry("fp8Mm", () -> fp8Mm(0, 0, 0, 0, 0, 0, false)),
                java.util.Map.entry("fp8Gemv", () -> fp8Gemv(0, 0, 1f, false, 0)),
                java.util.Map.entry("linearGelu", () -> linearGelu(0, 0, 0)),
                java.util.Map.entry("linearJoint", () -> linearJoint(0, 0, 0, 0, 0, 0)),
                java.util.Map.entry("geluTanh", () -> geluTanh(0)),
                java.util.Map.entry("silu", () -> silu(0)),
                java.util.Map.entry("emptyTokens", () -> emptyTokens(0, 0)));
        for (var p : probes) {
            try {
                p.getValue().run();
            } catch (IllegalArgumentException expected) {
                // present
            } catch (UnsatisfiedLinkError e) {
                return p.getKey();
            } catch (RuntimeException e) {
                // present (rejected the null handle some other way)
            }
        }
        return null;
    }

    static PtNDArray wrap(NDArray like, long handle) {
        return new PtNDArray((PtNDManager) like.getManager(), handle);
    }

    static PtNDArray wrap(ai.djl.ndarray.NDManager manager, long handle) {
        return new PtNDArray((PtNDManager) manager, handle);
    }

    static long h(NDArray a) {
        return ((PtNDArray) a).getHandle();
    }

    static native int abiVersion();

    /** Compute capability major·10 + minor of CUDA device {@code index}; 0 if none. */
    public static native int capability(int index);

    static native void qkNormRopeInto(long x, long w, float eps, long cos, long sin, long out, long offset);

    static native long normModulate(long x, long shift0, long scale0, long shift1, long scale1, long split, float eps);

    static native long gatedAdd(long x, long gate0, long gate1, long y, long split);

    /** {x + gate·y, normModulate(x + gate·y)} in one pass over each row. */
    static native long[] gatedAddNormModulate(long x, long gate0, long gate1, long y, long shift0, long scale0,
            long shift1, long scale1, long split, float eps);

    /** {q [M, K] e4m3, scale} of x [..., K]: scale [M, 1] float32 per row, or [1] for the whole tensor. */
    static native long[] fp8Quantize(long x, boolean tensorwise);

    /**
     * {@code torch._scaled_mm(q, w8^T, scaleA, scaleB, bias)} shaped like x; scaleB is the weight's per-tensor scale
     * as a [1, N] row (its first element is used when scaleA is tensor-wise). fastAccum: no periodic float32 promotion.
     */
    static native long fp8Mm(long x, long q, long scaleA, long w8, long scaleB, long bias, boolean fastAccum);

    static native long linearGelu(long x, long w, long b);

    /** [B, Sa + Sb, N]: xa Wa^T + ba, then xb Wb^T + bb along the tokens, each GEMM writing its rows in place. */
    static native long linearJoint(long xa, long wa, long ba, long xb, long wb, long bb);

    static native long fp8Gemv(long x, long w8, float scale, boolean e5m2, long bias);

    static native long geluTanh(long x);

    static native long silu(long x);

    static native long emptyTokens(long like, long tokens);

    /** Starts torch's Kineto profiler (CPU ops + CUDA kernels) on this thread; absent in builds without it. */
    public static native void profilerStart();

    /** Stops the profiler and writes a Chrome trace to {@code path}. */
    public static native void profilerStop(String path);
}
