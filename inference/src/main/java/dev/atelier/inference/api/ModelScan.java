package dev.atelier.inference.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link ModelSetup#scan} found in a folder: each weight file or component folder (detected from its headers),
 * the files that are missing (exact names to download) and problems (unreadable or wrong files).
 *
 * @param root       the folder scanned
 * @param layout     "diffusers", "comfyui" or "unknown"
 * @param components what was detected, in scan order
 * @param missing    files the edit pipeline still needs, as paths relative to {@code root} with where to get them
 * @param problems   files that are there but unusable (header or shape errors), naming the file
 * @param editModel  what to pass as {@link Request#model()} for edits (null when not runnable)
 * @param generateModel a complete Qwen-Image-2512 diffusers folder for text to image (the folder itself or a sibling
 *                      of it), or null
 */
public record ModelScan(Path root, String layout, List<Component> components, List<String> missing,
        List<String> problems, Path editModel, Path generateModel) {
    public ModelScan(Path root, String layout, List<Component> components, List<String> missing, List<String> problems,
            Path editModel) {
        this(root, layout, components, missing, problems, editModel, null);
    }

    public ModelScan withGenerateModel(Path g) {
        return new ModelScan(root, layout, components, missing, problems, editModel, g);
    }

    /**
     * @param role         "transformer", "text_encoder", "vae", "lora" or "unknown"
     * @param architecture e.g. "qwen-image-edit-2511"
     * @param format       "bf16", "fp8_scaled", "gguf", ...
     * @param bytes        size on disk
     */
    public record Component(Path path, String role, String architecture, String format, long bytes) {
        public String fileName() {
            return path.getFileName().toString();
        }
    }

    public ModelScan {
        components = List.copyOf(components);
        missing = List.copyOf(missing);
        problems = List.copyOf(problems);
    }

    /** True when an edit can run (a transformer, a text encoder and a VAE were found and nothing is missing). */
    public boolean canEdit() {
        return editModel != null && missing.isEmpty();
    }

    public List<Component> of(String role) {
        return components.stream().filter(c -> c.role().equals(role)).toList();
    }

    /**
     * What preset {@code p} still needs for a job of {@code kind} here: the model's missing files plus its LoRAs
     * and fp8 weights that were not found (exact file names). Empty: it can run.
     */
    public List<String> missingFor(Preset p, String kind) {
        List<String> out = new ArrayList<>(Preset.GENERATE.equals(kind) ? List.of() : missing);
        if (Preset.GENERATE.equals(kind) && generateModel == null) {
            out.add("a Qwen-Image-2512 diffusers folder next to this one (https://huggingface.co/Qwen/Qwen-Image-2512)");
        }
        if (!p.supports(kind)) {
            out.add("(preset is for " + String.join("/", p.kinds()) + " only)");
            return out;
        }
        for (Preset.PresetLora l : p.loras()) {
            if (l.appliesTo(kind) && of("lora").stream().noneMatch(c -> c.fileName().equalsIgnoreCase(l.file()))) {
                out.add("loras/" + l.file() + (l.source().isEmpty() ? "" : " (" + l.source() + ")"));
            }
        }
        if (p.weights() == WeightVariant.FP8 && of("transformer").stream().noneMatch(c -> c.format().startsWith("fp8"))) {
            out.add("diffusion_models/" + ModelSetup.FP8_TRANSFORMER + " (" + ModelSetup.COMFY_SOURCE + ")");
        }
        return out;
    }
}
