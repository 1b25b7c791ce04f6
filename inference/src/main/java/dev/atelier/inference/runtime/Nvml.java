package dev.atelier.inference.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The few NVML calls Atelier needs, bound through {@code java.lang.foreign} to the driver's own
 * {@code libnvidia-ml.so.1} (no extra native library). One instance = one {@code nvmlInit_v2} ...
 * {@code nvmlShutdown} session; NVML itself is thread-safe, so one instance may be shared.
 */
public final class Nvml implements AutoCloseable {
    /** The library the NVIDIA driver installs (Linux). */
    public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";

    private static final int NVML_SUCCESS = 0;
    private static final int NVML_ERROR_INSUFFICIENT_SIZE = 7;
    private static final int NAME_BUFFER = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE

    /** nvmlMemory_t: total, free, used (bytes). */
    private static final StructLayout MEMORY = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("total"), ValueLayout.JAVA_LONG.withName("free"),
            ValueLayout.JAVA_LONG.withName("used"));
    /** nvmlProcessInfo_t as the _v3 calls fill it: pid, (pad), usedGpuMemory, gpuInstanceId, computeInstanceId. */
    private static final StructLayout PROCESS = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("pid"), MemoryLayout.paddingLayout(4),
            ValueLayout.JAVA_LONG.withName("usedGpuMemory"), ValueLayout.JAVA_INT.withName("gpuInstanceId"),
            ValueLayout.JAVA_INT.withName("computeInstanceId"));
    /** NVML_VALUE_NOT_AVAILABLE for usedGpuMemory. */
    private static final long VALUE_NOT_AVAILABLE = -1L;

    private final Arena arena;
    private final String library;
    private final MethodHandle shutdown;
    private final MethodHandle errorString;
    private final MethodHandle getCount;
    private final MethodHandle getHandle;
    private final MethodHandle getName;
    private final MethodHandle getMemory;
    private final MethodHandle getProcesses;
    private final MethodHandle getCapability;
    private boolean closed;

    /** Memory of one device, in bytes. */
    public record Memory(long total, long free, long used) {
    }

    /** One compute process on a device; {@code usedBytes} is -1 when the driver does not say (e.g. WDDM). */
    public record ProcessUsage(long pid, long usedBytes) {
    }

    private Nvml(Arena arena, String library, SymbolLookup lookup) {
        this.arena = arena;
        this.library = library;
        Linker linker = Linker.nativeLinker();
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout p = ValueLayout.ADDRESS;
        MethodHandle init = bind(linker, lookup, "nvmlInit_v2", FunctionDescriptor.of(i));
        shutdown = bind(linker, lookup, "nvmlShutdown", FunctionDescriptor.of(i));
        errorString = bind(linker, lookup, "nvmlErrorString", FunctionDescriptor.of(p, i));
        getCount = bind(linker, lookup, "nvmlDeviceGetCount_v2", FunctionDescriptor.of(i, p));
        getHandle = bind(linker, lookup, "nvmlDeviceGetHandleByIndex_v2", FunctionDescriptor.of(i, i, p));
        getName = bind(linker, lookup, "nvmlDeviceGetName", FunctionDescriptor.of(i, p, p, i));
        getMemory = bind(linker, lookup, "nvmlDeviceGetMemoryInfo", FunctionDescriptor.of(i, p, p));
        getProcesses = bind(linker, lookup, "nvmlDeviceGetComputeRunningProcesses_v3", FunctionDescriptor.of(i, p, p, p));
        getCapability = bind(linker, lookup, "nvmlDeviceGetCudaComputeCapability", FunctionDescriptor.of(i, p, p, p));
        check("nvmlInit_v2", invokeInt(init));
    }

    /** Opens {@link #DEFAULT_LIBRARY} (or the system property {@code atelier.nvml.library}). */
    public static Nvml open() {
        return open(System.getProperty("atelier.nvml.library", DEFAULT_LIBRARY));
    }

    /**
     * Loads {@code library} (a name the dynamic linker resolves, or a path) and initialises NVML.
     *
     * @throws NvmlException when the library is missing, lacks a symbol, or nvmlInit fails; the message
     *                       says which and what to do
     */
    public static Nvml open(String library) {
        Arena arena = Arena.ofShared();
        try {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(library, arena);
            } catch (IllegalArgumentException e) {
                throw new NvmlException("NVML library " + library + " could not be loaded (" + e.getMessage()
                        + "): no NVIDIA driver on this machine, or it is not on the library path."
                        + " GPU memory is not shown; install the NVIDIA driver to use a GPU.", e);
            }
            return new Nvml(arena, library, lookup);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
        MemorySegment fn = lookup.find(name).orElseThrow(() -> new NvmlException(
                "NVML has no function " + name + ": the NVIDIA driver is too old (Atelier needs driver 510 or newer)."));
        return linker.downcallHandle(fn, fd);
    }

    /** The library this session loaded. */
    public String library() {
        return library;
    }

    public synchronized int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            check("nvmlDeviceGetCount_v2", invokeInt(getCount, n));
            return n.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public synchronized String name(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(NAME_BUFFER);
            check("nvmlDeviceGetName", invokeInt(getName, handle(a, index), buf, NAME_BUFFER));
            return buf.getString(0, StandardCharsets.UTF_8);
        }
    }

    public synchronized Memory memory(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(MEMORY);
            check("nvmlDeviceGetMemoryInfo", invokeInt(getMemory, handle(a, index), m));
            return new Memory(m.get(ValueLayout.JAVA_LONG, 0), m.get(ValueLayout.JAVA_LONG, 8),
                    m.get(ValueLayout.JAVA_LONG, 16));
        }
    }

    /** CUDA compute capability {major, minor} (e.g. {9, 0} for an H100). */
    public synchronized int[] computeCapability(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = a.allocate(ValueLayout.JAVA_INT);
            check("nvmlDeviceGetCudaComputeCapability", invokeInt(getCapability, handle(a, index), major, minor));
            return new int[] {major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0)};
        }
    }

    /** Processes with a CUDA context on the device (pids as the driver sees them: host pids in containers). */
    public synchronized List<ProcessUsage> computeProcesses(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = handle(a, index);
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            int capacity = 16;
            while (true) {
                MemorySegment infos = a.allocate(PROCESS, capacity);
                count.set(ValueLayout.JAVA_INT, 0, capacity);
                int rc = invokeInt(getProcesses, dev, count, infos);
                int n = count.get(ValueLayout.JAVA_INT, 0);
                if (rc == NVML_ERROR_INSUFFICIENT_SIZE && capacity < 4096) {
                    capacity = Math.max(capacity * 2, n + 4);
                    continue;
                }
                check("nvmlDeviceGetComputeRunningProcesses_v3", rc);
                List<ProcessUsage> out = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    long base = k * PROCESS.byteSize();
                    long pid = Integer.toUnsignedLong(infos.get(ValueLayout.JAVA_INT, base));
                    long used = infos.get(ValueLayout.JAVA_LONG, base + 8);
                    out.add(new ProcessUsage(pid, used == VALUE_NOT_AVAILABLE ? -1 : used));
                }
                return out;
            }
        }
    }

    private MemorySegment handle(Arena a, int index) {
        MemorySegment h = a.allocate(ValueLayout.ADDRESS);
        check("nvmlDeviceGetHandleByIndex_v2(" + index + ")", invokeInt(getHandle, index, h));
        return h.get(ValueLayout.ADDRESS, 0);
    }

    private void check(String call, int rc) {
        if (rc != NVML_SUCCESS) {
            throw new NvmlException(call + " failed: " + errorText(rc) + " (NVML error " + rc + ")");
        }
    }

    private String errorText(int rc) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
            return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "unknown error";
        }
    }

    private static int invokeInt(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NvmlException("NVML call failed: " + t, t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            invokeInt(shutdown);
        } finally {
            arena.close();
        }
    }
}
