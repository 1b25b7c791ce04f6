package dev.atelier.inference.runtime;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Out-of-memory handling: recognise a GPU OOM in whatever DJL threw (torch's c10 error text inside an
 * {@code EngineException}, at any depth of the cause chain), then, after the job's managers are closed and
 * {@link #releaseCudaCache()} ran, plan the one retry with a tighter budget.
 */
public final class OomPolicy {
    /** The retry plans within at most this fraction of the failed budget. */
    public static final double RETRY_BUDGET_FRACTION = 0.85;
    /** ... and at least this multiple of the failed allocation below it. */
    public static final double RETRY_ALLOCATION_FACTOR = 1.25;

    private static final Pattern GPU = Pattern.compile(
            "CUDA out of memory|CUDA error: out of memory|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED"
                    + "|CUDNN_STATUS_ALLOC_FAILED|OutOfMemoryError: CUDA|out of memory on device|CUDA_ERROR_OUT_OF_MEMORY",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern HOST = Pattern.compile(
            "DefaultCPUAllocator: (?:can't|not enough memory)|std::bad_alloc|Cannot allocate memory", Pattern.CASE_INSENSITIVE);
    private static final Pattern TRIED = Pattern.compile(
            "(?i)tried to allocate\\s+([0-9]+(?:\\.[0-9]+)?)\\s*(bytes|B|KiB|MiB|GiB|KB|MB|GB)");

    /** Which memory ran out. */
    public enum Kind { GPU, HOST }

    /**
     * A recognised out-of-memory.
     *
     * @param requestedBytes the allocation that failed, -1 when the message does not say
     */
    public record OutOfMemory(Kind kind, long requestedBytes, String message) {
        /** For the user: what happened and what Atelier does next. */
        public String describe() {
            return (kind == Kind.GPU ? "GPU" : "host") + " out of memory"
                    + (requestedBytes > 0 ? " allocating " + Bytes.format(requestedBytes) : "");
        }
    }

    private OomPolicy() {
    }

    /** Classifies {@code t} (or a cause); empty when it is not an out-of-memory. */
    public static Optional<OutOfMemory> classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String msg = c.getMessage() == null ? "" : c.getMessage();
            if (GPU.matcher(msg).find()) {
                return Optional.of(new OutOfMemory(Kind.GPU, requestedBytes(msg), firstLine(msg)));
            }
            if (c instanceof OutOfMemoryError || HOST.matcher(msg).find()) {
                return Optional.of(new OutOfMemory(Kind.HOST, requestedBytes(msg), firstLine(msg)));
            }
        }
        return Optional.empty();
    }

    /** The "Tried to allocate 2.00 GiB" / "you tried to allocate 123 bytes" amount, -1 when absent. */
    static long requestedBytes(String msg) {
        Matcher m = TRIED.matcher(msg);
        if (!m.find()) {
            return -1;
        }
        double v = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "kib", "kb" -> Bytes.KIB;
            case "mib", "mb" -> Bytes.MIB;
            case "gib", "gb" -> Bytes.GIB;
            default -> 1;
        };
        return Math.round(v * unit);
    }

    /** min(85 % of the budget, budget - 1.25 x the failed allocation). */
    public static long tighterBudget(long budget, long requestedBytes) {
        long byFraction = (long) (budget * RETRY_BUDGET_FRACTION);
        long byRequest = requestedBytes > 0 ? budget - (long) (requestedBytes * RETRY_ALLOCATION_FACTOR) : byFraction;
        return Math.max(1, Math.min(byFraction, byRequest));
    }

    /**
     * The plan for the single retry after a GPU OOM: tighter budget, tiled VAE. Empty for a host OOM (a smaller
     * VRAM budget would only move more to host memory) or when the tighter plan cannot run.
     */
    public static Optional<MemoryPlan> retryPlan(MemoryPlanner planner, MemoryPlan failed, OutOfMemory oom) {
        if (oom.kind() != Kind.GPU) {
            return Optional.empty();
        }
        PlanRequest r = failed.request().withBudget(tighterBudget(failed.budgetBytes(), oom.requestedBytes())).withTiledVae();
        MemoryPlan p = planner.plan(r);
        return p.feasible() ? Optional.of(p) : Optional.empty();
    }

    /** Returns cached, unused CUDA blocks to the driver (torch's emptyCache) so the retry and NVML see them free. */
    public static void releaseCudaCache() {
        ai.djl.pytorch.jni.JniUtils.emptyCudaCache();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
