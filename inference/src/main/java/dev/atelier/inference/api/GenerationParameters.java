package dev.atelier.inference.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * Everything needed to reproduce or recall a result, embedded in exported files and in the history. JSON round
 * trip via {@link #toJson()} / {@link #fromJson(String)}; unknown fields are ignored so newer files still load.
 *
 * @param kind        "edit" or "generate"
 * @param model       the model folder or file as given
 * @param modelFiles  the weight files the run actually loaded (pipelines fill this; may be empty)
 * @param strength    edit strength (null for text-to-image)
 * @param shift       the fixed shift if one was set (null: the model's dynamic schedule)
 * @param width       output width in pixels
 * @param height      output height in pixels
 * @param sourceWidth source photo width (null for text-to-image)
 * @param references  number of reference images
 * @param masked      whether a mask restricted the edit
 * @param noise       the noise generator id ({@code noise.NoiseGenerator#ID})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationParameters(int schemaVersion, String engineVersion, String kind, String model,
        List<String> modelFiles, String preset, WeightVariant weights, String prompt, String negative, long seed,
        int steps, double cfg, Double strength, Double shift, List<LoraSpec> loras, int width, int height,
        Integer sourceWidth, Integer sourceHeight, int references, boolean masked, String noise) {
    public static final int SCHEMA_VERSION = 1;
    /**
     * The key the JSON is stored under in exported files (the CLI's and the studio's PNG iTXt chunk and WebP XMP
     * ({@link WebpXmp}), the studio's JPEG comment): one contract, so files from either open in the other.
     */
    public static final String METADATA_KEY = "atelier-parameters";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public GenerationParameters {
        modelFiles = modelFiles == null ? List.of() : List.copyOf(modelFiles);
        loras = loras == null ? List.of() : List.copyOf(loras);
        negative = negative == null ? "" : negative;
        preset = preset == null ? "" : preset;
    }

    /** The parameters of {@code request} producing a {@code width x height} image. */
    public static GenerationParameters of(Request request, int width, int height, List<String> modelFiles,
            String engineVersion, String noise) {
        GenerationSettings s = request.settings();
        return switch (request) {
            case EditRequest e -> new GenerationParameters(SCHEMA_VERSION, engineVersion, "edit", e.model().toString(),
                    modelFiles, s.preset(), s.weights(), e.prompt(), e.negative(), s.seed(), s.steps(), s.cfg(),
                    e.strength(), s.shift(), s.loras(), width, height, e.source().width(), e.source().height(),
                    e.references().size(), e.mask() != null, noise);
            case GenerateRequest g -> new GenerationParameters(SCHEMA_VERSION, engineVersion, "generate",
                    g.model().toString(), modelFiles, s.preset(), s.weights(), g.prompt(), g.negative(), s.seed(),
                    s.steps(), s.cfg(), null, s.shift(), s.loras(), width, height, null, null, 0, false, noise);
        };
    }

    /** The settings to recall into the prompt panel. */
    public GenerationSettings settings() {
        return new GenerationSettings(preset, weights, seed, steps, cfg, shift, loras);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write generation parameters: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException naming the problem when the text is not a parameters record */
    public static GenerationParameters fromJson(String json) {
        try {
            GenerationParameters p = JSON.readValue(json, GenerationParameters.class);
            if (p.schemaVersion() > SCHEMA_VERSION) {
                throw new IllegalArgumentException("generation parameters: schemaVersion " + p.schemaVersion()
                        + " is newer than this Atelier understands (" + SCHEMA_VERSION + "); update Atelier");
            }
            return p;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("generation parameters: " + e.getOriginalMessage(), e);
        }
    }
}
