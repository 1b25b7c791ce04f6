package dev.atelier.app.document;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;

/**
 * What produced an image: the studio's own record, embedded in exported files and the project manifest so that
 * re-opening recalls it. Field names match the engine's {@code api.GenerationParameters} JSON (prompt, negative,
 * seed, preset, steps, cfg, strength, modelFiles, model, loras, shift, weights, width, height), so files written by
 * either are read by the other; {@code sizeMode} is the studio's own. {@code GenerationMapping} maps it to requests.
 *
 * @param weights  "AUTO", "BF16", "FP8" or null
 * @param sizeMode "MATCH_SOURCE", "MODEL_AREA" or "EXACT" ("" = the preset's)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationParameters(
        String prompt,
        String negative,
        long seed,
        String preset,
        int steps,
        double cfg,
        double strength,
        List<String> modelFiles,
        String model,
        List<Lora> loras,
        Double shift,
        String weights,
        String sizeMode,
        int width,
        int height) {

    /** A LoRA and its strength. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Lora(String file, double strength) {}

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    public GenerationParameters {
        prompt = prompt == null ? "" : prompt;
        negative = negative == null ? "" : negative;
        preset = preset == null ? "" : preset;
        modelFiles = modelFiles == null ? List.of() : List.copyOf(modelFiles);
        model = model == null ? "" : model;
        loras = loras == null ? List.of() : List.copyOf(loras);
        weights = weights == null || weights.isEmpty() ? null : weights; // null, not "": the engine reads an enum
        sizeMode = sizeMode == null ? "" : sizeMode;
    }

    /** The part-1 fields only (the rest empty). */
    public GenerationParameters(String prompt, String negative, long seed, String preset, int steps, double cfg,
            double strength, List<String> modelFiles) {
        this(prompt, negative, seed, preset, steps, cfg, strength, modelFiles, "", List.of(), null, "", "", 0, 0);
    }

    public static GenerationParameters empty() {
        return new GenerationParameters("", "", 0, "", 0, 0, 0, List.of());
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("GenerationParameters cannot be written as JSON", e);
        }
    }

    /** Parses JSON written by {@link #toJson()} (or the engine); unknown fields are ignored. */
    public static GenerationParameters fromJson(String json) throws IOException {
        return JSON.readValue(json, GenerationParameters.class);
    }
}
