package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A prefix scope over a {@link WeightStore}: {@code w.pp("transformer_blocks").pp(3).pp("attn").get("to_q.weight",
 * 3072, 3072)} loads {@code transformer_blocks.3.attn.to_q.weight}, checks its shape and names the key, the expected
 * and the found shape when they differ. Arrays are created in {@link #manager()} (the model's lifetime manager).
 *
 * <p>{@code keyMap} rewrites a full diffusers-style key into the store's own naming (identity for diffusers
 * folders; a ComfyUI or GGUF layout supplies its mapping).
 */
public final class Weights {
    private final WeightStore store;
    private final NDManager manager;
    private final DataType dtype;
    private final String prefix;
    private final UnaryOperator<String> keyMap;
    private final Map<String, Linear> modules;
    private final LinearFactory linearFactory;

    /**
     * Makes the Linear of a scope another way than "load weight (+ bias) as float" (fp8 kept 8-bit on the device,
     * random quantised weights for benchmarks); returns null to fall back to the float load.
     */
    @FunctionalInterface
    public interface LinearFactory {
        Linear create(Weights scope, long in, long out, boolean withBias);
    }

    public Weights(WeightStore store, NDManager manager, DataType dtype) {
        this(store, manager, dtype, "", UnaryOperator.identity());
    }

    public Weights(WeightStore store, NDManager manager, DataType dtype, String prefix, UnaryOperator<String> keyMap) {
        this(store, manager, dtype, prefix, keyMap, Collections.synchronizedMap(new LinkedHashMap<>()));
    }

    private Weights(WeightStore store, NDManager manager, DataType dtype, String prefix, UnaryOperator<String> keyMap,
                    Map<String, Linear> modules) {
        this(store, manager, dtype, prefix, keyMap, modules, null);
    }

    private Weights(WeightStore store, NDManager manager, DataType dtype, String prefix, UnaryOperator<String> keyMap,
                    Map<String, Linear> modules, LinearFactory linearFactory) {
        this.linearFactory = linearFactory;
        this.store = store;
        this.manager = manager;
        this.dtype = dtype;
        this.prefix = prefix;
        this.keyMap = keyMap;
        this.modules = modules;
    }

    /** A child scope: {@code prefix + name + "."}. */
    public Weights pp(String name) {
        return new Weights(store, manager, dtype, prefix + name + ".", keyMap, modules, linearFactory);
    }

    public Weights pp(int index) {
        return pp(Integer.toString(index));
    }

    /** The same scope on another manager or dtype. */
    public Weights with(NDManager otherManager, DataType otherDtype) {
        return new Weights(store, otherManager, otherDtype, prefix, keyMap, modules, linearFactory);
    }

    public Weights withKeyMap(UnaryOperator<String> map) {
        return new Weights(store, manager, dtype, prefix, map, modules, linearFactory);
    }

    /** The same scope tree with another way of making Linears (see {@link LinearFactory}); null = float loads. */
    public Weights withLinearFactory(LinearFactory factory) {
        return new Weights(store, manager, dtype, prefix, keyMap, modules, factory);
    }

    public LinearFactory linearFactory() {
        return linearFactory;
    }

    public String prefix() {
        return prefix;
    }

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }

    public WeightStore store() {
        return store;
    }

    /**
     * Every {@link Linear} bound through this scope tree (shared by all child scopes), by canonical module name
     * ({@code transformer_blocks.0.attn.to_q}). LoRA adapters find their target layers here, so a loaded model can
     * take, switch or drop a LoRA without reloading anything.
     */
    public Map<String, Linear> modules() {
        return Collections.unmodifiableMap(modules);
    }

    /** Records a module under this scope's name (the prefix without its trailing dot). */
    public void register(Linear module) {
        String name = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
        modules.put(name, module);
    }

    /** The store key for a name in this scope. */
    public String key(String name) {
        return keyMap.apply(prefix + name);
    }

    public boolean contains(String name) {
        return store.contains(key(name));
    }

    /** The stored shape of a tensor in this scope. */
    public long[] shape(String name) {
        return info(name).shape();
    }

    private TensorInfo info(String name) {
        String k = key(name);
        TensorInfo t = store.tensors().get(k);
        if (t == null) {
            throw new WeightFormatException(store.source(), "missing weight '" + k + "'"
                    + " — is this the right model file for this component?");
        }
        return t;
    }

    /** Loads a tensor and checks its shape ({@code -1} in the expected shape matches any size). */
    public NDArray get(String name, long... expectedShape) {
        TensorInfo t = info(name);
        long[] found = t.shape();
        if (!matches(expectedShape, found)) {
            throw new WeightFormatException(store.source(), "'" + t.name() + "': expected " + Arrays.toString(expectedShape)
                    + ", found " + Arrays.toString(found) + " in " + t.dtype()
                    + " — is this a checkpoint of the model the config describes?");
        }
        NDArray a = store.load(t.name(), manager, dtype);
        a.setName(prefix + name);
        return a;
    }

    /** Loads a tensor if present, else {@code null}. */
    public NDArray getOptional(String name, long... expectedShape) {
        return contains(name) ? get(name, expectedShape) : null;
    }

    private static boolean matches(long[] expected, long[] found) {
        if (expected.length != found.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != -1 && expected[i] != found[i]) {
                return false;
            }
        }
        return true;
    }
}
