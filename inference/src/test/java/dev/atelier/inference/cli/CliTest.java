package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CliTest {
    @Test
    void inspectListsEveryTensorPerComponent() {
        Path model = FixtureSupport.fixture().editModel().orElseThrow();
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "inspect", model.toString());
        assertEquals(0, rc[0], out);
        assertTrue(out.contains("== transformer") && out.contains("== vae") && out.contains("== text_encoder"), out);
        try (SafetensorsFile f = SafetensorsFile.open(model.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
            for (TensorInfo t : f.tensors().values()) {
                assertTrue(out.contains(t.name()), t.name());
            }
        }
        assertTrue(out.contains("total parameters"), out);
    }

    @Test
    void inspectShowsDtypesOfAQuantisedFile() {
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "inspect",
                FixtureSupport.dir().resolve("comfy/qwen_image_edit_2511_tiny_fp8_scaled.safetensors").toString());
        assertEquals(0, rc[0]);
        assertTrue(out.contains("F8_E4M3"), out);
        assertTrue(out.contains("detected: transformer qwen-image-edit-2511, format fp8_scaled"), out);
        assertTrue(out.contains("scale_weight"), out);
    }

    @Test
    void inspectHandlesGguf() {
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "inspect",
                FixtureSupport.dir().resolve("gguf/qwen_image_edit_2511_tiny-mixed.gguf").toString());
        assertEquals(0, rc[0], out);
        assertTrue(out.contains("detected: transformer qwen-image-edit-2511, format gguf"), out);
        assertTrue(out.contains("Q4_K") && out.contains("img_in.weight"), out);
    }

    @Test
    void parityRunsOnTheFixtureFolder() {
        int[] rc = new int[1];
        String out = CliRun.capture(rc, "parity", FixtureSupport.dir().toString());
        assertTrue(out.contains(" passed, "), out);
        assertEquals(0, rc[0], out);
    }
}
