package dev.atelier.inference.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.ImageFiles;
import dev.atelier.inference.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A fixture folder laid out like {@code qwen-tiny}: diffusers model folders (found by their
 * {@code model_index.json} pipeline class, not by name), {@code reference/*.safetensors} with JSON sidecars,
 * {@code comfy/}, {@code gguf/}, {@code lora/}.
 */
public record Fixture(Path dir) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Path reference(String name) {
        return dir.resolve("reference").resolve(name + ".safetensors");
    }

    public boolean hasReference(String name) {
        return Files.isRegularFile(reference(name));
    }

    /** Opens {@code reference/<name>.safetensors}; the caller closes it. */
    public SafetensorsFile openReference(String name) {
        return SafetensorsFile.open(reference(name));
    }

    /** The {@code info} metadata of a reference file (its sidecar JSON's content). */
    public JsonNode referenceInfo(String name) {
        try (SafetensorsFile f = openReference(name)) {
            String info = f.metadata().get("info");
            return info == null ? JSON.createObjectNode() : JSON.readTree(info);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the image {@code reference/<file>} (e.g. {@code input_image.png}) with {@link ImageFiles#readRgb}. */
    public RgbImage referenceImage(String file) {
        Path p = dir.resolve("reference").resolve(file);
        try {
            return ImageFiles.readRgb(p);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot read image: " + e.getMessage(), e);
        }
    }

    /** Reads the mask {@code reference/<file>} with {@link ImageFiles#readMask}. */
    public MaskImage referenceMask(String file) {
        Path p = dir.resolve("reference").resolve(file);
        try {
            return ImageFiles.readMask(p);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot read mask: " + e.getMessage(), e);
        }
    }

    /** The diffusers folder of the edit pipeline ({@code QwenImageEditPlusPipeline}). */
    public Optional<Path> editModel() {
        return modelWithClass("QwenImageEditPlusPipeline");
    }

    /** The diffusers folder of the text-to-image pipeline ({@code QwenImagePipeline}). */
    public Optional<Path> t2iModel() {
        return modelWithClass("QwenImagePipeline");
    }

    private Optional<Path> modelWithClass(String cls) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model_index.json")))
                    .filter(p -> cls.equals(readJson(p.resolve("model_index.json")).path("_class_name").asText()))
                    .sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static JsonNode readJson(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
