package dev.atelier.inference.api;

import java.nio.file.Path;
import java.util.Objects;

/** Text to image (Qwen-Image-2512): {@code width x height}, multiples of 16 in 256..4096. */
public record GenerateRequest(Path model, String prompt, String negative, int width, int height,
        GenerationSettings settings) implements Request {
    public GenerateRequest {
        Request.checkModel(model);
        prompt = Request.checkPrompt("prompt", prompt, true);
        negative = Request.checkPrompt("negative", negative, false);
        SizePolicy.checkSide("width", width);
        SizePolicy.checkSide("height", height);
        Objects.requireNonNull(settings, "settings");
    }

    public GenerateRequest withSettings(GenerationSettings s) {
        return new GenerateRequest(model, prompt, negative, width, height, s);
    }
}
