package dev.atelier.inference.api;

import java.nio.file.Path;

/** What {@link Engine#run} accepts. Every implementation validates itself in its constructor. */
public sealed interface Request permits EditRequest, GenerateRequest {
    int MAX_PROMPT_CHARS = 8000;

    /** A diffusers model folder or a single checkpoint file. */
    Path model();

    String prompt();

    /** "" when none. */
    String negative();

    GenerationSettings settings();

    /** {@link Preset#EDIT} or {@link Preset#GENERATE}: which presets and LoRAs apply. */
    default String kind() {
        return switch (this) {
            case EditRequest e -> Preset.EDIT;
            case GenerateRequest g -> Preset.GENERATE;
        };
    }

    static String checkPrompt(String field, String p, boolean required) {
        if (p == null || p.isBlank()) {
            if (required) {
                throw new IllegalArgumentException(field + ": empty; describe the " + ("prompt".equals(field)
                        ? "result you want" : "things to avoid"));
            }
            return "";
        }
        if (p.length() > MAX_PROMPT_CHARS) {
            throw new IllegalArgumentException(field + ": " + p.length() + " characters, at most " + MAX_PROMPT_CHARS);
        }
        return p;
    }

    static void checkModel(Path model) {
        if (model == null) {
            throw new IllegalArgumentException("model: missing; choose a model folder in set-up (or --model DIR)");
        }
    }
}
