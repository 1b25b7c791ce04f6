package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file. The header is validated completely before anything in it is trusted:
 * its length is bounded by the file, it is a JSON object, every dtype is on the whitelist, every shape × dtype
 * size equals the byte span, every span lies inside the data section and no two spans overlap.
 */
public final class SafetensorsFile implements WeightStore {
    /** Headers larger than this are refused (the real 20B transformer's header is ~200 KB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where one tensor's bytes are, relative to the start of the data section. */
    public record Entry(TensorInfo info, DType dtype, long begin, long end) {}

    private final Path path;
    private final Map<String, Entry> entries;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long dataStart;
    private final Arena arena;
    private final MemorySegment mapped;

    private SafetensorsFile(Path path, Map<String, Entry> entries, Map<String, String> metadata, long dataStart,
                            Arena arena, MemorySegment mapped) {
        this.path = path;
        this.entries = entries;
        this.metadata = metadata;
        this.dataStart = dataStart;
        this.arena = arena;
        this.mapped = mapped;
        Map<String, TensorInfo> t = new LinkedHashMap<>();
        entries.forEach((k, e) -> t.put(k, e.info()));
        this.tensors = Collections.unmodifiableMap(t);
    }

    /** Opens and validates {@code path}; throws {@link WeightFormatException} naming the file and the problem. */
    public static SafetensorsFile open(Path path) {
        return MappedFiles.open(path, (seg, arena) -> {
            long size = seg.byteSize();
            if (size < 8) {
                throw new WeightFormatException(path, "file is " + size + " bytes, too short for a safetensors header"
                        + " (truncated download?)");
            }
            long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new WeightFormatException(path, "header length " + Long.toUnsignedString(headerLen)
                        + " is not plausible (2.." + MAX_HEADER_BYTES + " bytes): not a safetensors file, or corrupt");
            }
            if (8 + headerLen > size) {
                throw new WeightFormatException(path, "header length " + headerLen + " runs past the end of the "
                        + size + "-byte file (truncated download?)");
            }
            byte[] header = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            Parsed parsed = parseHeader(path, header, size - dataStart);
            return new SafetensorsFile(path, parsed.entries, parsed.metadata, dataStart, arena, seg);
        });
    }

    record Parsed(Map<String, Entry> entries, Map<String, String> metadata) {}

    /**
     * Validates a header (the JSON bytes after the 8-byte length) against a data section of {@code dataSize} bytes.
     * Public for the fuzz test: it must only ever throw {@link WeightFormatException}.
     */
    static Parsed parseHeader(Path path, byte[] header, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8).stripTrailing());
        } catch (JsonProcessingException e) {
            throw new WeightFormatException(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new WeightFormatException(path, "header is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new WeightFormatException(path, "__metadata__ is not a JSON object");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(),
                        m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            entries.put(name, parseEntry(path, name, v, dataSize));
        }
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw new WeightFormatException(path, "tensor '" + b.info().name() + "' bytes [" + b.begin() + ", "
                        + b.end() + ") overlap tensor '" + a.info().name() + "' [" + a.begin() + ", " + a.end() + ")");
            }
        }
        return new Parsed(entries, metadata);
    }

    private static Entry parseEntry(Path path, String name, JsonNode v, long dataSize) {
        if (!v.isObject()) {
            throw new WeightFormatException(path, "tensor '" + name + "': header entry is not an object");
        }
        JsonNode dt = v.get("dtype");
        DType dtype = dt != null && dt.isTextual() ? DType.parse(dt.asText()) : null;
        if (dtype == null) {
            throw new WeightFormatException(path, "tensor '" + name + "': unknown dtype " + dt
                    + " (supported: BF16, F16, F32, F64, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2)");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray() || sh.size() > 8) {
            throw new WeightFormatException(path, "tensor '" + name + "': shape must be an array of at most 8 sizes");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw new WeightFormatException(path, "tensor '" + name + "': shape entry " + d + " is not a size");
                }
                shape[i] = d.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            numel = Math.multiplyExact(numel, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new WeightFormatException(path, "tensor '" + name + "': shape " + sh + " overflows");
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new WeightFormatException(path, "tensor '" + name + "': data_offsets must be [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new WeightFormatException(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] lie outside the " + dataSize + "-byte data section (truncated file?)");
        }
        if (end - begin != numel) {
            throw new WeightFormatException(path, "tensor '" + name + "': shape " + sh + " × " + dtype + " needs "
                    + numel + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(new TensorInfo(name, dtype.name(), shape, end - begin, path), dtype, begin, end);
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
        return Collections.unmodifiableMap(metadata);
    }

    public DType dtype(String name) {
        return entry(name).dtype();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new WeightFormatException(path, "no tensor named '" + name + "'");
        }
        return e;
    }

    /** The raw little-endian bytes of a tensor, a view of the mapping (valid until {@link #close()}). */
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return mapped.asSlice(dataStart + e.begin(), e.end() - e.begin());
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        Entry e = entry(name);
        return Tensors.fromBytes(bytes(name), e.dtype(), e.info().shape(), manager, floatType, path, name);
    }

    /** Convenience: float tensors as float32. */
    public NDArray load(String name, NDManager manager) {
        return load(name, manager, DataType.FLOAT32);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Sanity helper used by the CLI: the whole data section is accounted for. */
    public long dataBytes() {
        return mapped.byteSize() - dataStart;
    }

}
