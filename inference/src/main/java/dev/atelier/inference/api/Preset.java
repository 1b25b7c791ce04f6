package dev.atelier.inference.api;

import java.util.List;
import java.util.Set;

/**
 * A named bundle of settings (presets/*.json, schema in presets/schema/preset.schema.json). {@link #settings}
 * turns it into the settings of a request; the user may then change any field.
 *
 * @param schemaVersion layout version ({@value #SCHEMA_VERSION})
 * @param name          identifier ({@code --preset NAME}, recorded in parameters)
 * @param label         button text
 * @param kinds         "edit" and/or "generate"
 * @param shift         null: the model's schedule; s: fixed shift s (Lightning 3)
 * @param origin        where it was read from ("builtin:presets/draft.json" or a file path)
 */
public record Preset(int schemaVersion, String name, String label, String description, Set<String> kinds,
        WeightVariant weights, int steps, double cfg, Double shift, double strength, SizePolicy size,
        List<PresetLora> loras, String origin) {
    public static final int SCHEMA_VERSION = 1;
    public static final String EDIT = "edit";
    public static final String GENERATE = "generate";

    /** The value each field falls back to when a preset file gives a bad one (= the draft preset). */
    public static final Preset DEFAULTS = new Preset(SCHEMA_VERSION, "default", "Default", "", Set.of(EDIT, GENERATE),
            WeightVariant.AUTO, 40, 4.0, null, 1.0, SizePolicy.matchSource(), List.of(), "builtin");

    /**
     * A LoRA of a preset.
     *
     * @param forKind "edit", "generate" or "any"
     * @param source  where to download it (shown in model set-up), may be ""
     */
    public record PresetLora(String file, double strength, String forKind, String source) {
        public boolean appliesTo(String kind) {
            return "any".equals(forKind) || forKind.equals(kind);
        }
    }

    public Preset {
        kinds = Set.copyOf(kinds);
        loras = List.copyOf(loras);
    }

    public boolean supports(String kind) {
        return kinds.contains(kind);
    }

    /** The request settings of this preset for a job of {@code kind} ("edit" or "generate"). */
    public GenerationSettings settings(String kind, long seed) {
        List<LoraSpec> l = loras.stream().filter(x -> x.appliesTo(kind)).map(x -> new LoraSpec(x.file(), x.strength()))
                .toList();
        return new GenerationSettings(name, weights, seed, steps, cfg, shift, l);
    }
}
