package dev.atelier.inference.api;

import dev.atelier.inference.io.ModelDetector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Model set-up for the studio: scans a diffusers pipeline folder (model_index.json with transformer/, text_encoder/,
 * vae/) or a ComfyUI {@code models/} folder (diffusion_models/, text_encoders/, vae/, loras/), detects every weight
 * file from its headers (architecture, format, size; a damaged header is a problem naming the file) and names the
 * files still missing. Reads headers only, never tensor data.
 */
public final class ModelSetup {
    public static final String COMFY_SOURCE = "https://huggingface.co/Comfy-Org/Qwen-Image-Edit_ComfyUI";
    public static final String DIFFUSERS_SOURCE = "https://huggingface.co/Qwen/Qwen-Image-Edit-2511";
    public static final String BF16_TRANSFORMER = "qwen_image_edit_2511_bf16.safetensors";
    public static final String FP8_TRANSFORMER = "qwen_image_edit_2511_fp8mixed.safetensors";
    public static final String TEXT_ENCODER = "qwen_2.5_vl_7b_fp8_scaled.safetensors";
    public static final String VAE = "qwen_image_vae.safetensors";

    private static final List<String> DIFFUSERS_PARTS = List.of("transformer", "text_encoder", "vae");

    private ModelSetup() {}

    /** Scans {@code dir}; never throws for bad files (they become problems). */
    public static ModelScan scan(Path dir) {
        ModelScan s = scanOnly(dir);
        return s.generateModel() != null || dir == null || !Files.isDirectory(dir) ? s
                : s.withGenerateModel(textToImage(dir, s));
    }

    /**
     * Where text-to-image runs from: the Qwen-Image-2512 transformer file of a ComfyUI {@code models/} folder that
     * also has the text encoder and VAE, or a complete Qwen-Image-2512 diffusers folder ({@code dir} itself or one of
     * its siblings: the usual layout keeps both models side by side); else null. {@code own} is {@code dir}'s scan
     * (its headers are not read again).
     */
    private static Path textToImage(Path dir, ModelScan own) {
        if (own.layout().equals("comfyui")) {
            // a ComfyUI models/ folder holding the 2512 transformer beside Edit-2511's: same text encoder and VAE
            boolean shared = own.of("text_encoder").size() > 0 && own.of("vae").size() > 0;
            Path t2i = own.of("transformer").stream().filter(t -> t.architecture().contains("2512"))
                    .map(ModelScan.Component::path).findFirst().orElse(null);
            if (shared && t2i != null) {
                return t2i;
            }
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir);
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(Files::isDirectory).filter(d -> Files.isRegularFile(d.resolve("model_index.json"))).sorted()
                        .forEach(candidates::add);
            } catch (IOException e) {
                // no siblings to offer
            }
        }
        for (Path c : candidates) {
            if (!Files.isRegularFile(c.resolve("model_index.json"))) {
                continue;
            }
            ModelScan s = c.equals(dir) ? own : diffusers(c);
            boolean t2i = s.of("transformer").stream().anyMatch(t -> t.architecture().contains("2512"));
            if (t2i && s.missing().isEmpty() && s.of("transformer").size() == 1 && s.of("vae").size() == 1) {
                return c;
            }
        }
        return null;
    }

    private static ModelScan scanOnly(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return new ModelScan(dir, "unknown", List.of(), List.of(), List.of((dir == null ? "no folder" : dir)
                    + ": not a folder; choose a diffusers model folder or ComfyUI's models/ folder"), null);
        }
        if (Files.isRegularFile(dir.resolve("model_index.json"))) {
            return diffusers(dir);
        }
        if (Stream.of("diffusion_models", "unet", "text_encoders", "clip", "vae").anyMatch(s -> Files.isDirectory(dir.resolve(s)))) {
            return comfy(dir);
        }
        return new ModelScan(dir, "unknown", List.of(), List.of(), List.of(dir + ": neither a diffusers folder "
                + "(model_index.json) nor ComfyUI's models/ folder (diffusion_models/, text_encoders/, vae/)"), null);
    }

    private static ModelScan diffusers(Path dir) {
        List<ModelScan.Component> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String part : DIFFUSERS_PARTS) {
            Path sub = dir.resolve(part);
            if (!Files.isDirectory(sub) || weightFiles(sub).isEmpty()) {
                missing.add(part + "/" + (part.equals("text_encoder") ? "model.safetensors"
                        : "diffusion_pytorch_model.safetensors") + " (with its config.json, from " + DIFFUSERS_SOURCE + ")");
                continue;
            }
            detect(sub, weightFiles(sub).stream().mapToLong(ModelSetup::size).sum(), found, problems);
        }
        found.stream().filter(c -> c.role().equals("transformer") && !c.architecture().contains("edit-2511")).findFirst()
                .ifPresent(c -> problems.add(dir + ": the transformer is " + c.architecture() + " (text to image), not "
                        + "Qwen-Image-Edit-2511; choose the Qwen-Image-Edit-2511 folder (" + DIFFUSERS_SOURCE + ")"));
        if (!Files.isDirectory(dir.resolve("processor")) && !Files.isDirectory(dir.resolve("tokenizer"))) {
            missing.add("processor/ or tokenizer/ (tokenizer.json, vocab.json, merges.txt from " + DIFFUSERS_SOURCE + ")");
        }
        // where the pipeline looks for a preset's LoRA by file name: loras/, lora/, the folder and its parent
        loras(dir.resolve("loras"), found, problems);
        loras(dir.resolve("lora"), found, problems);
        looseLoras(dir, found);
        if (dir.toAbsolutePath().getParent() != null) looseLoras(dir.toAbsolutePath().getParent(), found);
        boolean ok = missing.isEmpty() && problems.isEmpty();
        return new ModelScan(dir, "diffusers", found, missing, problems, ok ? dir : null);
    }

    private static ModelScan comfy(Path dir) {
        List<ModelScan.Component> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String sub : List.of("diffusion_models", "unet", "text_encoders", "clip", "vae")) {
            for (Path f : weightFiles(dir.resolve(sub))) {
                detect(f, size(f), found, problems);
            }
        }
        loras(dir.resolve("loras"), found, problems);
        List<String> missing = new ArrayList<>();
        Path transformer = found.stream().filter(c -> c.role().equals("transformer")
                && c.architecture().contains("edit-2511")).map(ModelScan.Component::path).findFirst().orElse(null);
        if (transformer == null) {
            missing.add("diffusion_models/" + BF16_TRANSFORMER + " or " + FP8_TRANSFORMER + " (" + COMFY_SOURCE + ")");
        }
        if (found.stream().noneMatch(c -> c.role().equals("text_encoder"))) {
            missing.add("text_encoders/" + TEXT_ENCODER + " (https://huggingface.co/Comfy-Org/Qwen-Image_ComfyUI)");
        }
        if (found.stream().noneMatch(c -> c.role().equals("vae"))) {
            missing.add("vae/" + VAE + " (https://huggingface.co/Comfy-Org/Qwen-Image_ComfyUI)");
        }
        return new ModelScan(dir, "comfyui", found, missing, problems, missing.isEmpty() ? transformer : null);
    }

    private static void loras(Path dir, List<ModelScan.Component> found, List<String> problems) {
        for (Path f : weightFiles(dir)) {
            detect(f, size(f), found, problems);
        }
    }

    /** LoRA files lying in {@code dir} itself; anything else there is ignored. */
    private static void looseLoras(Path dir, List<ModelScan.Component> found) {
        List<ModelScan.Component> any = new ArrayList<>();
        for (Path f : weightFiles(dir)) {
            detect(f, size(f), any, new ArrayList<>());
        }
        any.stream().filter(c -> c.role().equals("lora")).forEach(found::add);
    }

    private static void detect(Path path, long bytes, List<ModelScan.Component> found, List<String> problems) {
        try {
            ModelDetector.Detection d = ModelDetector.detect(path);
            found.add(new ModelScan.Component(path, d.component().name().toLowerCase(Locale.ROOT), d.architecture(),
                    d.format().name().toLowerCase(Locale.ROOT), bytes));
        } catch (RuntimeException e) {
            problems.add(path + ": " + e.getMessage() + " — download the file again");
        }
    }

    private static List<Path> weightFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".safetensors") || n.endsWith(".gguf");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
