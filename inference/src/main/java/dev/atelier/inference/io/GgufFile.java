package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A memory-mapped GGUF file (versions 2 and 3, little-endian): header, typed metadata key/values (all value types,
 * arrays included), tensor infos, data section aligned to {@code general.alignment} (default 32). Everything is
 * validated before use: counts and string/array lengths bounded by the file, at most 4 dimensions, every tensor's
 * first dimension a whole number of blocks, its byte size = blocks × block bytes, its offset aligned, inside the
 * data section and not overlapping another tensor. Errors name the file and the tensor or key.
 *
 * <p>Shapes are torch order: GGUF's {@code ne} reversed, or ComfyUI-GGUF's {@code comfy.gguf.orig_shape.<name>}
 * when present. Tensor names are kept as stored (ComfyUI-GGUF Qwen-Image files use the diffusers transformer keys,
 * sometimes behind {@code model.diffusion_model.}; {@link KeyMapper} strips prefixes).
 *
 * <p><b>Dequantisation happens at load</b> ({@link #load}): quantised blocks become a float32 array on the CPU
 * (then {@code floatType} if another is asked). Memory cost: the loaded model holds 4 bytes per parameter (2 for bf16)
 * instead of the file's ~0.56 (Q4_K) to 1.06 (Q8_0) bytes; the mapped file itself is only paged in while reading.
 * The GPU seam is {@link #quantized(String)}: a {@link QuantizedTensor} with the raw block bytes, which a GPU runtime
 * can keep as is and dequantise per layer.
 */
// Format: ggml docs/gguf.md (ggml-org/ggml); loader behaviour after city96/ComfyUI-GGUF loader.py.
public final class GgufFile implements WeightStore, QuantizedSource {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    /** GGUF metadata value types. */
    enum ValueType { UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 }

    /** One tensor: its info, ggml type and absolute byte range in the file. */
    public record Entry(TensorInfo info, GgmlType type, long[] ne, long offset) {}

    private final Path path;
    private final int version;
    private final Map<String, Object> kv;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries;
    private final Map<String, TensorInfo> tensors;
    private final Arena arena;
    private final MemorySegment mapped;

    private GgufFile(Path path, int version, Map<String, Object> kv, Map<String, Entry> entries, Arena arena,
                     MemorySegment mapped) {
        this.path = path;
        this.version = version;
        this.kv = Collections.unmodifiableMap(kv);
        this.entries = entries;
        this.arena = arena;
        this.mapped = mapped;
        Map<String, String> md = new LinkedHashMap<>();
        kv.forEach((k, v) -> md.put(k, render(v)));
        this.metadata = Collections.unmodifiableMap(md);
        Map<String, TensorInfo> t = new LinkedHashMap<>();
        entries.forEach((k, e) -> t.put(k, e.info()));
        this.tensors = Collections.unmodifiableMap(t);
    }

    /** Opens and validates {@code path}; throws {@link WeightFormatException} naming the file and the problem. */
    public static GgufFile open(Path path) {
        return MappedFiles.open(path, (seg, arena) -> parse(path, seg, arena));
    }

    /** Parses a whole GGUF image. Package-private for the fuzz test: it must only ever throw WeightFormatException. */
    static GgufFile parse(Path path, MemorySegment seg, Arena arena) {
        Cursor c = new Cursor(path, seg);
        if (seg.byteSize() < 24) {
            throw new WeightFormatException(path, "file is " + seg.byteSize() + " bytes, too short for a GGUF header"
                    + " (truncated download?)");
        }
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw new WeightFormatException(path, "not a GGUF file (magic " + String.format("0x%08x", magic)
                    + ", expected \"GGUF\")");
        }
        int version = c.i32("version");
        if (version != 2 && version != 3) {
            throw new WeightFormatException(path, "GGUF version " + version + " is not supported (2 and 3 are)"
                    + (Integer.reverseBytes(version) == 3 ? "; this looks like a big-endian GGUF, convert it" : ""));
        }
        long nTensors = c.count("tensor_count", 8 + 4 + 8 + 8);
        long nKv = c.count("metadata_kv_count", 8 + 4 + 1);
        Map<String, Object> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("metadata key #" + i);
            int type = c.i32("type of '" + key + "'");
            if (kv.containsKey(key)) {
                throw new WeightFormatException(path, "metadata key '" + key + "' appears twice");
            }
            kv.put(key, c.value(type, key, 0));
        }
        int alignment = DEFAULT_ALIGNMENT;
        Object al = kv.get("general.alignment");
        if (al != null) {
            if (!(al instanceof Long a) || a <= 0 || a > 1 << 20 || Long.bitCount(a) != 1) {
                throw new WeightFormatException(path, "general.alignment " + al + " is not a power of two");
            }
            alignment = Math.toIntExact((Long) al);
        }
        record Raw(String name, long[] ne, GgmlType type, long offset) {}
        List<Raw> raws = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("name of tensor #" + i);
            int nDims = c.i32("n_dims of '" + name + "'");
            if (nDims < 0 || nDims > MAX_DIMS) {
                throw new WeightFormatException(path, "tensor '" + name + "': " + nDims + " dimensions (GGUF allows 0.."
                        + MAX_DIMS + ")");
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.i64("ne[" + d + "] of '" + name + "'");
                if (ne[d] < 0) {
                    throw new WeightFormatException(path, "tensor '" + name + "': negative dimension " + ne[d]);
                }
            }
            int typeId = c.i32("type of '" + name + "'");
            GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new WeightFormatException(path, "tensor '" + name + "': unknown ggml type " + typeId
                        + " (not a type ggml defines; supported: " + GgmlType.supportedList() + ")");
            }
            raws.add(new Raw(name, ne, type, c.i64("offset of '" + name + "'")));
        }
        long dataStart = align(c.pos, alignment);
        if (dataStart > seg.byteSize()) {
            throw new WeightFormatException(path, "data section starts at " + dataStart + ", past the end of the "
                    + seg.byteSize() + "-byte file (truncated download?)");
        }
        long dataSize = seg.byteSize() - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Raw r : raws) {
            if (entries.containsKey(r.name)) {
                throw new WeightFormatException(path, "tensor '" + r.name + "' appears twice");
            }
            entries.put(r.name, entry(path, kv, r.name, r.ne, r.type, r.offset, alignment, dataStart, dataSize));
        }
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::offset));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.offset() < a.offset() + a.info().byteSize()) {
                throw new WeightFormatException(path, "tensor '" + b.info().name() + "' bytes at " + b.offset()
                        + " overlap tensor '" + a.info().name() + "' [" + a.offset() + ", "
                        + (a.offset() + a.info().byteSize()) + ")");
            }
        }
        return new GgufFile(path, version, kv, entries, arena, seg);
    }

    private static Entry entry(Path path, Map<String, Object> kv, String name, long[] ne, GgmlType type, long offset,
                               int alignment, long dataStart, long dataSize) {
        long numel = 1;
        long bytes;
        try {
            for (long d : ne) {
                numel = Math.multiplyExact(numel, d);
            }
            long row = ne.length == 0 ? 1 : ne[0];
            bytes = type.byteSize(numel, row);
        } catch (ArithmeticException e) {
            throw new WeightFormatException(path, "tensor '" + name + "': size overflows");
        }
        if (bytes < 0) {
            throw new WeightFormatException(path, "tensor '" + name + "': first dimension " + ne[0] + " is not a multiple "
                    + "of the " + type + " block size " + type.blockSize());
        }
        if (offset < 0 || offset % alignment != 0) {
            throw new WeightFormatException(path, "tensor '" + name + "': offset " + offset + " is not aligned to "
                    + alignment);
        }
        if (offset > dataSize || bytes > dataSize - offset) {
            throw new WeightFormatException(path, "tensor '" + name + "': " + (numel / type.blockSize()) + " blocks × "
                    + type.typeSize() + " bytes at offset " + offset + " run past the " + dataSize
                    + "-byte data section (truncated file?)");
        }
        long[] shape = new long[ne.length];
        for (int i = 0; i < ne.length; i++) {
            shape[i] = ne[ne.length - 1 - i];
        }
        Object orig = kv.get("comfy.gguf.orig_shape." + name);
        if (orig != null) {
            shape = origShape(path, name, orig, numel);
        }
        return new Entry(new TensorInfo(name, type.name(), shape, bytes, path), type, ne.clone(), dataStart + offset);
    }

    private static long[] origShape(Path path, String name, Object orig, long numel) {
        if (!(orig instanceof List<?> l) || l.isEmpty() || l.size() > 8) {
            throw new WeightFormatException(path, "comfy.gguf.orig_shape." + name + " is not an array of sizes");
        }
        long[] shape = new long[l.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(l.get(i) instanceof Long v) || v < 0) {
                throw new WeightFormatException(path, "comfy.gguf.orig_shape." + name + " entry " + l.get(i)
                        + " is not a size");
            }
            shape[i] = v;
            n = Math.multiplyExact(n, v);
        }
        if (n != numel) {
            throw new WeightFormatException(path, "tensor '" + name + "': comfy.gguf.orig_shape " + l + " has " + n
                    + " elements but the tensor has " + numel);
        }
        return shape;
    }

    private static long align(long x, long a) {
        return (x + a - 1) / a * a;
    }

    /** Bounded little-endian reader over the mapped file. */
    private static final class Cursor {
        private final Path path;
        private final MemorySegment seg;
        long pos;

        Cursor(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        private void need(long n, String what) {
            if (n < 0 || pos + n > seg.byteSize() || pos + n < pos) {
                throw new WeightFormatException(path, what + " runs past the end of the " + seg.byteSize()
                        + "-byte file (truncated or not a GGUF file)");
            }
        }

        int i32(String what) {
            need(4, what);
            int v = seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
            pos += 4;
            return v;
        }

        long i64(String what) {
            need(8, what);
            long v = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
            pos += 8;
            return v;
        }

        /** A count whose items take at least {@code minItemBytes} each: bounded by the rest of the file. */
        long count(String what, long minItemBytes) {
            long n = i64(what);
            if (n < 0 || n > (seg.byteSize() - pos) / minItemBytes) {
                throw new WeightFormatException(path, what + " " + Long.toUnsignedString(n)
                        + " is not plausible for a " + seg.byteSize() + "-byte file (corrupt header)");
            }
            return n;
        }

        String string(String what) {
            long len = i64("length of " + what);
            if (len < 0 || len > seg.byteSize() - pos) {
                throw new WeightFormatException(path, what + ": string length " + Long.toUnsignedString(len)
                        + " runs past the end of the file");
            }
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }

        Object value(int type, String key, int depth) {
            if (type < 0 || type >= ValueType.values().length) {
                throw new WeightFormatException(path, "metadata '" + key + "': unknown value type " + type);
            }
            return switch (ValueType.values()[type]) {
                case UINT8 -> { need(1, key); yield (long) (seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF); }
                case INT8 -> { need(1, key); yield (long) seg.get(ValueLayout.JAVA_BYTE, pos++); }
                case UINT16 -> { need(2, key); long v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos) & 0xFFFF; pos += 2; yield v; }
                case INT16 -> { need(2, key); long v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos); pos += 2; yield v; }
                case UINT32 -> Integer.toUnsignedLong(i32(key));
                case INT32 -> (long) i32(key);
                case FLOAT32 -> (double) Float.intBitsToFloat(i32(key));
                case BOOL -> { need(1, key); yield seg.get(ValueLayout.JAVA_BYTE, pos++) != 0; }
                case STRING -> string("metadata '" + key + "'");
                case UINT64, INT64 -> i64(key);
                case FLOAT64 -> Double.longBitsToDouble(i64(key));
                case ARRAY -> {
                    if (depth > 2) {
                        throw new WeightFormatException(path, "metadata '" + key + "': arrays nested too deep");
                    }
                    int et = i32("element type of '" + key + "'");
                    long n = count("element count of '" + key + "'", 1);
                    List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
                    for (long i = 0; i < n; i++) {
                        list.add(value(et, key, depth + 1));
                    }
                    yield Collections.unmodifiableList(list);
                }
            };
        }
    }

    private static String render(Object v) {
        if (v instanceof List<?> l) {
            int shown = Math.min(l.size(), 64);
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < shown; i++) {
                b.append(i == 0 ? "" : ", ").append(render(l.get(i)));
            }
            if (shown < l.size()) {
                b.append(", ... (").append(l.size()).append(" items)");
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    public int version() {
        return version;
    }

    /** Typed metadata: Long for integers, Double for floats, Boolean, String, List for arrays. */
    public Map<String, Object> keyValues() {
        return kv;
    }

    /** {@code general.architecture}, or {@code null}. */
    public String architecture() {
        Object a = kv.get("general.architecture");
        return a instanceof String s ? s : null;
    }

    public GgmlType type(String name) {
        return entry(name).type();
    }

    @Override
    public Path source() {
        return path;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new WeightFormatException(path, "no tensor named '" + name + "'");
        }
        return e;
    }

    /** The raw stored bytes of a tensor (valid until {@link #close()}). */
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return mapped.asSlice(e.offset(), e.info().byteSize());
    }

    @Override
    public Optional<QuantizedTensor> quantized(String name) {
        Entry e = entry(name);
        if (!e.type().isQuantized()) {
            return Optional.empty();
        }
        return Optional.of(new QuantizedTensor(name, null, e.type(), e.info().shape(), bytes(name), 1f, path));
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        Entry e = entry(name);
        GgmlType t = e.type();
        DType plain = switch (t) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case F64 -> DType.F64;
            case I8 -> DType.I8;
            case I16 -> DType.I16;
            case I32 -> DType.I32;
            case I64 -> DType.I64;
            default -> null;
        };
        if (plain != null) {
            return Tensors.fromBytes(bytes(name), plain, e.info().shape(), manager, floatType, path, name);
        }
        if (!t.dequantizable()) {
            throw new WeightFormatException(path, "tensor '" + name + "': ggml type " + t + " cannot be dequantised yet"
                    + " (supported: " + GgmlType.supportedList() + "); requantise the file with one of those");
        }
        return quantized(name).orElseThrow().toNDArray(manager, floatType);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
