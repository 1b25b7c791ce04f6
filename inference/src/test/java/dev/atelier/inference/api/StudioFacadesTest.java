package dev.atelier.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small facades the studio uses: model set-up scan, cost estimate, telemetry. */
class StudioFacadesTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures/qwen-tiny");
    static final Path EDIT = FIXTURES.resolve("qwen-image-edit-2511-tiny");

    @TempDir Path tmp;

    @Test
    void diffusersFolderIsDetectedAndRunnable() {
        ModelScan s = ModelSetup.scan(EDIT);
        assertEquals("diffusers", s.layout());
        assertTrue(s.canEdit(), s.missing() + " " + s.problems());
        assertEquals(EDIT, s.editModel());
        assertEquals(FIXTURES.resolve("qwen-image-2512-tiny").toAbsolutePath(), s.generateModel().toAbsolutePath(),
                "the text-to-image model beside it is offered for generate-only presets");
        Preset turbo = PresetLoader.loadShipped().require("turbo");
        assertTrue(s.missingFor(turbo, Preset.GENERATE).stream().noneMatch(m -> m.contains("2512 diffusers")));
        assertTrue(s.withGenerateModel(null).missingFor(turbo, Preset.GENERATE).stream().anyMatch(m -> m.contains("Qwen-Image-2512")));
        assertEquals("qwen-image-edit-2511", s.of("transformer").getFirst().architecture());
        assertEquals(1, s.of("vae").size());
        assertTrue(s.of("vae").getFirst().bytes() > 0);
        Preset draft = PresetLoader.loadShipped().require("draft");
        assertTrue(s.missingFor(draft, Preset.EDIT).isEmpty());
        Preset quick = PresetLoader.loadShipped().require("quick-preview");
        assertTrue(s.missingFor(quick, Preset.EDIT).stream()
                .anyMatch(m -> m.contains("Qwen-Image-Edit-2511-Lightning-4steps-V1.0-bf16.safetensors")));
    }

    @Test
    void folderWithoutItsVaeNamesTheFile() throws IOException {
        Path copy = tmp.resolve("edit");
        copyTree(EDIT, copy);
        deleteTree(copy.resolve("vae"));
        ModelScan s = ModelSetup.scan(copy);
        assertFalse(s.canEdit());
        assertEquals(1, s.missing().size());
        assertTrue(s.missing().getFirst().startsWith("vae/diffusion_pytorch_model.safetensors"), s.missing().toString());
    }

    @Test
    void comfyModelsFolder() throws IOException {
        Path models = tmp.resolve("models");
        Files.createDirectories(models.resolve("diffusion_models"));
        Files.createDirectories(models.resolve("text_encoders"));
        Files.createDirectories(models.resolve("vae"));
        Path comfy = FIXTURES.resolve("comfy");
        Files.copy(comfy.resolve("qwen_image_edit_2511_tiny_fp8mixed.safetensors"),
                models.resolve("diffusion_models/qwen_image_edit_2511_tiny_fp8mixed.safetensors"));
        Files.copy(comfy.resolve("qwen_2.5_vl_tiny_bf16.safetensors"), models.resolve("text_encoders/te.safetensors"));
        ModelScan s = ModelSetup.scan(models);
        assertEquals("comfyui", s.layout());
        assertEquals("fp8_mixed", s.of("transformer").getFirst().format());
        assertEquals(1, s.missing().size());
        assertTrue(s.missing().getFirst().contains("vae/qwen_image_vae.safetensors"), s.missing().toString());

        Files.write(models.resolve("vae/broken.safetensors"), new byte[] {1, 2, 3});
        Files.copy(comfy.resolve("qwen_image_vae_tiny_bf16.safetensors"), models.resolve("vae/qwen_image_vae.safetensors"));
        s = ModelSetup.scan(models);
        assertTrue(s.missing().isEmpty(), s.missing().toString());
        assertEquals(1, s.problems().size());
        assertTrue(s.problems().getFirst().contains("broken.safetensors"), s.problems().toString());
    }

    @Test
    void textToImageFolderIsNotTakenForEdits() {
        ModelScan s = ModelSetup.scan(FIXTURES.resolve("qwen-image-2512-tiny"));
        assertFalse(s.canEdit());
        assertTrue(s.problems().getFirst().contains("qwen-image-2512"), s.problems().toString());
    }

    @Test
    void notAModelFolder() {
        ModelScan s = ModelSetup.scan(tmp);
        assertFalse(s.canEdit());
        assertTrue(s.problems().getFirst().contains("model_index.json"));
    }

    @Test
    void costEstimates() {
        Preset draft = PresetLoader.loadShipped().require("draft");
        Preset quick = PresetLoader.loadShipped().require("quick-preview");
        CostEstimate big = CostEstimate.of(null, draft, Preset.EDIT, 1024, 1024, 0, "NVIDIA H100 80GB HBM3", 70L << 30);
        assertEquals("fits", big.mode());
        assertTrue(big.seconds() > 0);
        CostEstimate small = CostEstimate.of(null, draft, Preset.EDIT, 1024, 1024, 0, "NVIDIA GeForce RTX 4080", 12L << 30);
        assertTrue(small.mode().equals("streams") || small.mode().equals("staged"), small.summary());
        CostEstimate fast = CostEstimate.of(null, quick, Preset.EDIT, 1024, 1024, 0, "NVIDIA GeForce RTX 4080", 12L << 30);
        assertTrue(fast.seconds() < small.seconds(), fast.summary() + " vs " + small.summary());
        CostEstimate cpu = CostEstimate.of(EDIT, draft, Preset.EDIT, 256, 256, 0, "CPU", 0);
        assertEquals("cpu", cpu.mode());
        assertTrue(cpu.summary().startsWith("CPU"));
    }

    @Test
    void cpuTelemetryReportsProcessMemory() {
        try (Telemetry t = Telemetry.cpuOnly()) {
            MemorySnapshot s = t.sample(0, Map.of("vae", 5L));
            assertTrue(s.cpuOnly());
            assertTrue(s.processUsed() > 0);
            assertEquals(5L, s.components().get("vae"));
            assertEquals("CPU", t.deviceName());
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
