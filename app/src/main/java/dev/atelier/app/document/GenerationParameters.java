package dev.atelier.app.document;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;

/**
 * What produced an image: the studio's own record, embedded in exported files and the project manifest so that
 * re-opening recalls it. Issue 10 maps it to the engine's request records; keep it plain and JSON-serialisable.
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
        List<String> modelFiles) {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    public GenerationParameters {
        prompt = prompt == null ? "" : prompt;
        negative = negative == null ? "" : negative;
        preset = preset == null ? "" : preset;
        modelFiles = modelFiles == null ? List.of() : List.copyOf(modelFiles);
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

    /** Parses JSON written by {@link #toJson()}; unknown fields are ignored. */
    public static GenerationParameters fromJson(String json) throws IOException {
        return JSON.readValue(json, GenerationParameters.class);
    }
}
