package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store seen under canonical names through a {@link KeyMapper.Bound}: lists every mapped tensor under its
 * canonical name and loads it from the stored one. Marker keys and keys no rule covers are hidden (see
 * {@link #unmapped()}). Quantised tensors stay available through {@link #quantized}.
 */
public final class MappedStore implements WeightStore, QuantizedSource {
    private final WeightStore base;
    private final KeyMapper.Bound bound;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> storedOf;
    private final List<String> unmapped;

    MappedStore(WeightStore base, KeyMapper.Bound bound) {
        this.base = base;
        this.bound = bound;
        Map<String, TensorInfo> t = new LinkedHashMap<>();
        Map<String, String> s = new LinkedHashMap<>();
        List<String> un = new ArrayList<>();
        for (TensorInfo info : base.tensors().values()) {
            String c = bound.toCanonical(info.name());
            if (c == null) {
                if (!bound.mapper().markers().contains(info.name())) {
                    un.add(info.name());
                }
                continue;
            }
            if (s.containsKey(c)) {
                throw new WeightFormatException(base.source(), "tensors '" + s.get(c) + "' and '" + info.name()
                        + "' both map to '" + c + "' in layout " + bound.layout().name());
            }
            s.put(c, info.name());
            t.put(c, new TensorInfo(c, info.dtype(), info.shape(), info.byteSize(), info.file()));
        }
        this.tensors = Collections.unmodifiableMap(t);
        this.storedOf = Collections.unmodifiableMap(s);
        this.unmapped = List.copyOf(un);
    }

    public WeightStore base() {
        return base;
    }

    public KeyMapper.Bound bound() {
        return bound;
    }

    /** Stored keys that no rule of the detected layout covers (neither weights of this component nor markers). */
    public List<String> unmapped() {
        return unmapped;
    }

    /** canonical → stored name. */
    public Map<String, String> storedNames() {
        return storedOf;
    }

    private String stored(String name) {
        String s = storedOf.get(name);
        if (s == null) {
            throw new WeightFormatException(base.source(), "no tensor named '" + name + "' (layout "
                    + bound.layout().name() + ", looked for '" + bound.toStored(name) + "')");
        }
        return s;
    }

    @Override
    public Path source() {
        return base.source();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return base.metadata();
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        return base.load(stored(name), manager, floatType);
    }

    @Override
    public Optional<QuantizedTensor> quantized(String name) {
        if (!(base instanceof QuantizedSource q)) {
            return Optional.empty();
        }
        return q.quantized(stored(name)).map(t -> new QuantizedTensor(name, t.fp8(), t.ggml(), t.shape(), t.data(),
                t.scale(), t.file()));
    }

    @Override
    public void close() {
        base.close();
    }
}
