package dev.atelier.inference.api;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The presets found (shipped first, then the user's, in file-name order) and every problem met reading them. */
public record PresetCatalog(Map<String, Preset> presets, List<PresetProblem> problems) {
    public PresetCatalog {
        presets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(presets));
        problems = List.copyOf(problems);
    }

    public Optional<Preset> find(String name) {
        return Optional.ofNullable(presets.get(name));
    }

    public Collection<Preset> all() {
        return presets.values();
    }

    /** The preset or a message listing the available names. */
    public Preset require(String name) {
        Preset p = presets.get(name);
        if (p == null) {
            throw new IllegalArgumentException("preset: no preset named '" + name + "'; available: "
                    + String.join(", ", presets.keySet()));
        }
        return p;
    }
}
