package dev.atelier.inference.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Points DJL's PyTorch engine at the right libtorch and JNI before the engine starts, and decides the compute
 * precision without ever touching bf16 on a JNI that lacks it.
 *
 * <p>GPU: finds a CUDA libtorch ({@link TorchInstall}), the bf16-patched JNI built for it ({@link JniFinder}),
 * makes a folder of links to torch's libraries plus a copy of the JNI (what run-on-device.sh does) and sets the
 * system properties DJL reads: {@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION}, {@code PYTORCH_FLAVOR},
 * {@code jna.library.path} (DJL finds libcudart through JNA to count GPUs), {@code ai.djl.offline}. Anything
 * missing falls back to the CPU engine with a message saying what to install. Precision: bf16 only when the JNI
 * file carries the patch ({@link JniLibrary}); otherwise float16 on the GPU, float32 on the CPU.
 * After the engine has started, {@link #verifyLoaded()} re-checks the library DJL really mapped.
 *
 * <p>Order: {@code TorchRuntime rt = TorchRuntime.configure(settings); rt = rt.verifyLoaded();} before any NDManager.
 */
public final class TorchRuntime {
    /** Where the engine runs. */
    public enum Backend { CPU, GPU }

    /**
     * What the user asked for.
     *
     * @param gpu      use a GPU when one can be set up
     * @param gpuIndex CUDA device index
     * @param torchDir libtorch / torch package to use (null: search)
     * @param jniDir   folder with the JNI (null: search beside the application)
     * @param workDir  writable folder for the library links (null: ~/.cache/atelier)
     */
    public record Settings(boolean gpu, int gpuIndex, String torchDir, String jniDir, Path workDir) {
        /** From system properties / environment: atelier.torch.dir / ATELIER_TORCH_DIR, atelier.jni.dir / ATELIER_JNI_DIR, atelier.work.dir. */
        public static Settings fromEnvironment(boolean gpu) {
            String work = setting("atelier.work.dir", "ATELIER_WORK_DIR");
            return new Settings(gpu, 0, setting("atelier.torch.dir", "ATELIER_TORCH_DIR"),
                    setting("atelier.jni.dir", "ATELIER_JNI_DIR"), work == null ? null : Path.of(work));
        }
    }

    private static volatile TorchRuntime configured;

    private final Backend backend;
    private final int gpuIndex;
    private final DataType floatType;
    private final TorchInstall torch;
    private final JniLibrary jni;
    private final Path libraryDir;
    private final Map<String, String> properties;
    private final List<String> messages;

    private TorchRuntime(Backend backend, int gpuIndex, DataType floatType, TorchInstall torch, JniLibrary jni,
                         Path libraryDir, Map<String, String> properties, List<String> messages) {
        this.backend = backend;
        this.gpuIndex = gpuIndex;
        this.floatType = floatType;
        this.torch = torch;
        this.jni = jni;
        this.libraryDir = libraryDir;
        this.properties = Map.copyOf(properties);
        this.messages = List.copyOf(messages);
    }

    /** Plans ({@link #plan}) and applies: prepares the library folder and sets the system properties. */
    public static synchronized TorchRuntime configure(Settings s) {
        TorchRuntime rt = plan(s);
        if (rt.backend == Backend.GPU && System.getenv("PYTORCH_LIBRARY_PATH") == null) {
            try {
                rt = rt.prepareLibraryDir();
            } catch (IOException e) {
                rt = cpu(rt.messages, "could not prepare " + rt.libraryDir + " for DJL (" + e.getMessage()
                        + "); set ATELIER_WORK_DIR to a writable folder. Running on the CPU.");
            }
        }
        rt.properties.forEach(System::setProperty);
        configured = rt;
        return rt;
    }

    /** The runtime {@link #configure} set up last, null before. */
    public static TorchRuntime current() {
        return configured;
    }

    /** Decides everything, changes nothing (no files, no properties): what {@link #configure} would do. */
    public static TorchRuntime plan(Settings s) {
        List<String> msg = new ArrayList<>();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ai.djl.offline", "true");
        if (!s.gpu()) {
            return new TorchRuntime(Backend.CPU, -1, DataType.FLOAT32, null, null, null, props, msg);
        }
        String userPath = System.getenv("PYTORCH_LIBRARY_PATH");
        if (userPath != null) {
            return userManaged(s, Path.of(userPath), props, msg);
        }
        Optional<TorchInstall> found = TorchInstall.find(s.torchDir());
        if (found.isEmpty()) {
            return cpu(msg, "no libtorch found" + (s.torchDir() == null ? "" : " at " + s.torchDir())
                    + ". To use the GPU install PyTorch with CUDA (pip install torch==2.11.0 --index-url"
                    + " https://download.pytorch.org/whl/cu130) or set ATELIER_TORCH_DIR to its torch folder;"
                    + " see README, GPU set-up. Running on the CPU.");
        }
        TorchInstall t = found.get();
        if (!t.cuda()) {
            return cpu(msg, t.describe() + " has no CUDA (libtorch_cuda.so missing): install a CUDA build of"
                    + " PyTorch (README, GPU set-up). Running on the CPU.");
        }
        JniFinder.Match m = JniFinder.find(s.jniDir(), t);
        if (m.library() == null) {
            return cpu(msg, m.problem() + " Running on the CPU.");
        }
        if (!m.problem().isEmpty()) {
            msg.add(m.problem());
        }
        JniLibrary lib = m.library();
        Path work = s.workDir() != null ? s.workDir() : Path.of(System.getProperty("user.home"), ".cache", "atelier");
        Path libDir = work.resolve("libtorch").resolve(t.version().replace('+', '-'));
        props.put("PYTORCH_LIBRARY_PATH", libDir.toString());
        props.put("PYTORCH_VERSION", t.baseVersion());
        props.put("PYTORCH_FLAVOR", t.flavor());
        // beside, not inside, the library folder: DJL System.loads every library it finds under PYTORCH_LIBRARY_PATH
        Path jna = jnaDir(libDir);
        String jnaPath = System.getProperty("jna.library.path");
        props.put("jna.library.path", jna + (jnaPath == null || jnaPath.isEmpty() ? "" : ":" + jnaPath));
        DataType ft = precision(lib, msg);
        return new TorchRuntime(Backend.GPU, s.gpuIndex(), ft, t, lib, libDir, props, msg);
    }

    /** The user set PYTORCH_LIBRARY_PATH themselves (e.g. run-on-device.sh): judge the JNI there, set nothing. */
    private static TorchRuntime userManaged(Settings s, Path dir, Map<String, String> props, List<String> msg) {
        msg.add("PYTORCH_LIBRARY_PATH=" + dir + " is set in the environment: DJL uses that libtorch as is.");
        JniLibrary lib = null;
        for (String name : List.of("0.36.0-" + JniLibrary.FILE_NAME, JniLibrary.FILE_NAME)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                try {
                    lib = JniLibrary.inspect(p);
                } catch (IOException e) {
                    msg.add("could not read " + p + ": " + e.getMessage());
                }
                break;
            }
        }
        if (lib == null) {
            msg.add("no " + JniLibrary.FILE_NAME + " in " + dir + ": DJL takes one from its cache; bf16 stays off"
                    + " until the loaded library is checked.");
            return new TorchRuntime(Backend.GPU, s.gpuIndex(), DataType.FLOAT16, TorchInstall.at(dir).orElse(null),
                    null, dir, props, msg);
        }
        return new TorchRuntime(Backend.GPU, s.gpuIndex(), precision(lib, msg), TorchInstall.at(dir).orElse(null),
                lib, dir, props, msg);
    }

    private static DataType precision(JniLibrary lib, List<String> msg) {
        if (lib.bf16()) {
            return DataType.BFLOAT16;
        }
        msg.add(lib.path() + " is DJL's stock JNI without bfloat16 (it would terminate the JVM on a bf16 tensor):"
                + " computing in float16 instead, which can overflow in some layers. Install Atelier's patched JNI"
                + " (packaging/jni, README: GPU set-up) to get bf16.");
        return DataType.FLOAT16;
    }

    private static TorchRuntime cpu(List<String> earlier, String why) {
        List<String> msg = new ArrayList<>(earlier);
        msg.add(why);
        return new TorchRuntime(Backend.CPU, -1, DataType.FLOAT32, null, null, null,
                Map.of("ai.djl.offline", "true"), msg);
    }

    /** Links torch's libraries and copies the JNI into {@link #libraryDir}; links libcudart for JNA. */
    private TorchRuntime prepareLibraryDir() throws IOException {
        Files.createDirectories(libraryDir);
        for (String name : List.of("libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so")) {
            Path target = torch.libDir().resolve(name);
            Path link = libraryDir.resolve(name);
            Files.deleteIfExists(link);
            if (Files.exists(target)) {
                Files.createSymbolicLink(link, target.toRealPath());
            }
        }
        Path jniCopy = libraryDir.resolve(JniLibrary.FILE_NAME);
        Files.deleteIfExists(libraryDir.resolve("0.36.0-" + JniLibrary.FILE_NAME));
        Files.copy(jni.path(), jniCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path jna = jnaDir(libraryDir);
        Files.createDirectories(jna);
        Path cudartLink = jna.resolve("libcudart.so");
        Files.deleteIfExists(cudartLink);
        Optional<Path> cudart = CudaRuntimeFinder.find(torch);
        List<String> msg = new ArrayList<>(messages);
        if (cudart.isPresent()) {
            Files.createSymbolicLink(cudartLink, cudart.get().toRealPath());
        } else {
            msg.add("libcudart not found beside " + torch.root() + ": DJL may count 0 GPUs; Atelier still uses"
                    + " gpu(" + gpuIndex + ") explicitly.");
        }
        return new TorchRuntime(backend, gpuIndex, floatType, torch, jni, libraryDir, properties, msg);
    }

    /**
     * Starts DJL's PyTorch engine and checks the JNI it really loaded (/proc/self/maps). Returns this runtime, or
     * one downgraded to float16 when that library lacks the bf16 patch.
     */
    public TorchRuntime verifyLoaded() {
        Engine.getEngine("PyTorch");
        Optional<Path> loaded = JniLibrary.loadedInThisProcess();
        registerKernelFolders(loaded);
        List<String> msg = new ArrayList<>(messages);
        if (loaded.isEmpty()) {
            if (jni == null && floatType == DataType.BFLOAT16) {
                return withPrecision(DataType.FLOAT16, msg);
            }
            return this;
        }
        JniLibrary actual;
        try {
            actual = JniLibrary.inspect(loaded.get());
        } catch (IOException e) {
            msg.add("could not read the loaded JNI " + loaded.get() + ": " + e.getMessage() + "; bf16 off.");
            return withPrecision(backend == Backend.GPU ? DataType.FLOAT16 : DataType.FLOAT32, msg);
        }
        if (floatType == DataType.BFLOAT16 && !actual.bf16()) {
            msg.add("DJL loaded " + actual.path() + ", not the patched JNI" + (jni == null ? "" : " " + jni.path())
                    + ": bf16 off, computing in float16. Remove other libdjl_torch.so from PYTORCH_LIBRARY_PATH"
                    + " and DJL's cache (~/.djl.ai/pytorch).");
            return new TorchRuntime(backend, gpuIndex, DataType.FLOAT16, torch, actual, libraryDir, properties, msg);
        }
        return new TorchRuntime(backend, gpuIndex, floatType, torch, actual, libraryDir, properties, msg);
    }

    /**
     * Atelier's CUDA kernels library is built against the same torch as the JNI and lives beside it: the chosen JNI's
     * folder, then the folder of the JNI DJL loaded.
     */
    private void registerKernelFolders(Optional<Path> loaded) {
        if (backend != Backend.GPU) {
            return;
        }
        List<Path> dirs = new ArrayList<>();
        if (jni != null && jni.path().getParent() != null) {
            dirs.add(jni.path().getParent());
        }
        loaded.map(Path::getParent).ifPresent(dirs::add);
        dev.atelier.inference.nn.AtelierNative.candidates(() -> List.copyOf(dirs));
    }

    private TorchRuntime withPrecision(DataType ft, List<String> msg) {
        return new TorchRuntime(backend, gpuIndex, ft, torch, jni, libraryDir, properties, msg);
    }

    public Backend backend() {
        return backend;
    }

    /** The device to put weights and activations on. */
    public Device device() {
        return backend == Backend.GPU ? Device.gpu(gpuIndex) : Device.cpu();
    }

    /** The compute precision: BFLOAT16 (GPU, patched JNI), FLOAT16 (GPU, stock JNI), FLOAT32 (CPU). */
    public DataType floatType() {
        return floatType;
    }

    /** True when bf16 arrays are safe to create in this process. */
    public boolean bf16() {
        return floatType == DataType.BFLOAT16 && jni != null && jni.bf16();
    }

    /** Throws, with what to do, unless {@link #bf16()}: call before any code path that would create a bf16 array. */
    public void requireBf16() {
        if (!bf16()) {
            throw new IllegalStateException("bfloat16 is not available with this DJL JNI"
                    + (jni == null ? "" : " (" + jni.path() + ")")
                    + ": install Atelier's patched JNI for your torch (README, GPU set-up) or choose float16.");
        }
    }

    public TorchInstall torch() {
        return torch;
    }

    /** The JNI judged (after {@link #verifyLoaded()}: the one loaded); null on the CPU before loading. */
    public JniLibrary jni() {
        return jni;
    }

    /** The folder given to DJL as PYTORCH_LIBRARY_PATH; null on the CPU. */
    public Path libraryDir() {
        return libraryDir;
    }

    /** The system properties {@link #configure} sets. */
    public Map<String, String> properties() {
        return properties;
    }

    /** What the user should know (fallbacks and how to fix them); empty when all is as asked. */
    public List<String> messages() {
        return messages;
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("backend ").append(backend).append(backend == Backend.GPU ? " gpu(" + gpuIndex + ")" : "")
                .append(", compute ").append(floatType).append(", bf16 ").append(bf16() ? "yes" : "no");
        if (torch != null) {
            sb.append("\n  ").append(torch.describe());
        }
        if (jni != null) {
            sb.append("\n  JNI ").append(jni.describe());
        }
        for (String m : messages) {
            sb.append("\n  note: ").append(m);
        }
        return sb.toString();
    }

    private static Path jnaDir(Path libDir) {
        return libDir.resolveSibling(libDir.getFileName() + "-jna");
    }

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v;
    }
}
