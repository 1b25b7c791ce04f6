package dev.atelier.inference.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Key mapping as data: how a component's tensors are named in the layouts users have (ComfyUI single files,
 * Wan-2.1 VAE, transformers checkpoints) relative to the canonical names the model code binds (diffusers for the
 * transformer and the VAE; for the text encoder the save_pretrained / ComfyUI names {@code model.*}, {@code visual.*}
 * that {@code model.qwenvl} binds, with transformers' in-memory {@code model.language_model.*} /
 * {@code model.visual.*} as a stored layout). Each component's table is a
 * JSON resource {@code keymaps/<component>.json}: {@code layouts} (each with {@code detect} patterns matched against
 * stored keys and ordered {@code rules}, see {@link KeyRule}), optional {@code params} detected from the stored keys,
 * and {@code markers}: stored keys that are flags rather than weights.
 *
 * <p>Usage: {@code KeyMapper.of(Component.VAE).bind(store.tensors().keySet())} detects the layout and gives
 * {@link Bound#toStored} (for {@link dev.atelier.inference.nn.Weights}'s keyMap hook) and {@link Bound#toCanonical};
 * {@link #view(WeightStore, Component)} wraps a store so it lists and loads canonical names.
 */
public final class KeyMapper {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Component, KeyMapper> CACHE = new HashMap<>();

    /** The components with a mapping table. */
    public enum Component {
        TRANSFORMER("qwen_image_transformer"), TEXT_ENCODER("qwen25vl_text_encoder"), VAE("qwen_image_vae");

        private final String resource;

        Component(String resource) {
            this.resource = resource;
        }

        public String resource() {
            return resource;
        }
    }

    /** A named layout: the patterns that identify it and its rules. */
    public record Layout(String name, List<KeyRule> detect, List<KeyRule> rules) {
        boolean matches(Collection<String> storedKeys) {
            for (String k : storedKeys) {
                for (KeyRule d : detect) {
                    if (d.toCanonical(k, Map.of()) != null) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private record Param(long defaultValue, KeyRule detect, String valueExpr) {}

    private final Component component;
    private final List<Layout> layouts;
    private final Set<String> markers;
    private final Map<String, Param> params;

    private KeyMapper(Component component, List<Layout> layouts, Set<String> markers, Map<String, Param> params) {
        this.component = component;
        this.layouts = layouts;
        this.markers = markers;
        this.params = params;
    }

    /** The mapping table of {@code component} (loaded once from its resource). */
    public static synchronized KeyMapper of(Component component) {
        return CACHE.computeIfAbsent(component, c -> {
            String res = "/keymaps/" + c.resource() + ".json";
            try (InputStream in = KeyMapper.class.getResourceAsStream(res)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + res);
                }
                return parse(c, JSON.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + res, e);
            }
        });
    }

    static KeyMapper parse(Component c, JsonNode root) {
        List<Layout> layouts = new ArrayList<>();
        for (JsonNode l : root.path("layouts")) {
            List<KeyRule> detect = new ArrayList<>();
            for (JsonNode d : l.path("detect")) {
                detect.add(new KeyRule("{*}", d.asText(), null));
            }
            List<KeyRule> rules = new ArrayList<>();
            for (JsonNode r : l.path("rules")) {
                Map<String, String> where = new LinkedHashMap<>();
                r.path("where").fields().forEachRemaining(e -> where.put(e.getKey(), e.getValue().asText()));
                rules.add(new KeyRule(r.path("canonical").asText(), r.path("stored").asText(), where));
            }
            layouts.add(new Layout(l.path("name").asText(), List.copyOf(detect), List.copyOf(rules)));
        }
        Set<String> markers = new LinkedHashSet<>();
        root.path("markers").forEach(m -> markers.add(m.asText()));
        Map<String, Param> params = new LinkedHashMap<>();
        root.path("params").fields().forEachRemaining(e -> {
            JsonNode p = e.getValue();
            JsonNode d = p.path("detect");
            params.put(e.getKey(), new Param(p.path("default").asLong(),
                    d.isMissingNode() ? null : new KeyRule(d.path("canonical").asText(), d.path("stored").asText(), null),
                    d.path("value").asText()));
        });
        return new KeyMapper(c, List.copyOf(layouts), Collections.unmodifiableSet(markers), params);
    }

    public Component component() {
        return component;
    }

    public List<Layout> layouts() {
        return layouts;
    }

    /** Stored keys that are flags (e.g. {@code __index_timestep_zero__}), hidden from the canonical view. */
    public Set<String> markers() {
        return markers;
    }

    /** The first layout whose detect patterns match one of {@code storedKeys}. */
    public Optional<Layout> detect(Collection<String> storedKeys) {
        return layouts.stream().filter(l -> l.matches(storedKeys)).findFirst();
    }

    /** Detects the layout and the parameters of {@code storedKeys}; throws when no layout matches. */
    public Bound bind(Collection<String> storedKeys) {
        Layout layout = detect(storedKeys).orElseThrow(() -> new IllegalArgumentException("no "
                + component.resource() + " layout matches these keys (e.g. " + storedKeys.stream().limit(3).toList()
                + ")"));
        Map<String, Long> values = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            Long best = null;
            if (p.detect() != null) {
                for (String k : storedKeys) {
                    String c = p.detect().toCanonical(k, Map.of());
                    if (c != null) {
                        long v = KeyRule.Expr.eval(p.valueExpr(), Map.of("k", Long.parseLong(c)));
                        best = best == null ? v : Math.min(best, v);
                    }
                }
            }
            values.put(name, best != null ? best : p.defaultValue());
        });
        return new Bound(this, layout, Collections.unmodifiableMap(values));
    }

    /** A view of {@code store} under canonical names (markers and unmapped keys hidden, see {@link MappedStore}). */
    public static MappedStore view(WeightStore store, Component component) {
        return new MappedStore(store, of(component).bind(store.tensors().keySet()));
    }

    /** A mapper bound to one store's layout and parameters. */
    public record Bound(KeyMapper mapper, Layout layout, Map<String, Long> params) {
        /** The stored key of canonical {@code key}, or {@code key} itself when no rule applies. */
        public String toStored(String key) {
            for (KeyRule r : layout.rules()) {
                String s = r.toStored(key, params);
                if (s != null) {
                    return s;
                }
            }
            return key;
        }

        /** The canonical key of stored {@code key}, or {@code null} for markers and keys no rule covers. */
        public String toCanonical(String key) {
            if (mapper.markers.contains(key)) {
                return null;
            }
            for (KeyRule r : layout.rules()) {
                String c = r.toCanonical(key, params);
                if (c != null) {
                    return c;
                }
            }
            return null;
        }

        /** For {@link dev.atelier.inference.nn.Weights#withKeyMap}: canonical → stored. */
        public UnaryOperator<String> keyMap() {
            return this::toStored;
        }
    }
}
