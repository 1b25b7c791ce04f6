package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Several weight files seen as one table: a {@code *.safetensors.index.json} or a list of shards. */
public final class ShardedSafetensors implements WeightStore {
    private final Path source;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private ShardedSafetensors(Path source, List<SafetensorsFile> shards) {
        this.source = source;
        this.shards = shards;
        for (SafetensorsFile f : shards) {
            for (TensorInfo t : f.tensors().values()) {
                SafetensorsFile prev = owner.putIfAbsent(t.name(), f);
                if (prev != null) {
                    close();
                    throw new WeightFormatException(f.source(), "tensor '" + t.name() + "' also appears in "
                            + prev.source().getFileName() + ": shards must not repeat tensors");
                }
                tensors.put(t.name(), t);
            }
            metadata.putAll(f.metadata());
        }
    }

    /** Opens every shard named by an index file and checks that the index and the shards agree. */
    public static ShardedSafetensors openIndex(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(index));
        } catch (IOException e) {
            throw new WeightFormatException(index, "cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new WeightFormatException(index, "shard index has no 'weight_map' object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> weightMap.put(e.getKey(), e.getValue().asText()));
        List<Path> files = weightMap.values().stream().distinct().map(f -> index.resolveSibling(f)).toList();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new WeightFormatException(index, "shard '" + f.getFileName() + "' named in the index is missing");
            }
        }
        ShardedSafetensors s = of(index, files);
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            SafetensorsFile f = s.owner.get(e.getKey());
            if (f == null || !f.source().getFileName().toString().equals(Path.of(e.getValue()).getFileName().toString())) {
                s.close();
                throw new WeightFormatException(index, "tensor '" + e.getKey() + "' is indexed in " + e.getValue()
                        + " but " + (f == null ? "no shard holds it" : "found in " + f.source().getFileName()));
            }
        }
        return s;
    }

    public static ShardedSafetensors of(Path source, List<Path> files) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (Path f : files) {
                opened.add(SafetensorsFile.open(f));
            }
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
        return new ShardedSafetensors(source, opened);
    }

    @Override
    public Path source() {
        return source;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    @Override
    public NDArray load(String name, NDManager manager, DataType floatType) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new WeightFormatException(source, "no tensor named '" + name + "'");
        }
        return f.load(name, manager, floatType);
    }

    /** The shard that holds a tensor. */
    public SafetensorsFile shardOf(String name) {
        return owner.get(name);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
