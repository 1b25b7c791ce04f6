package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.io.ModelDetector.Component;
import dev.atelier.inference.io.ModelDetector.Detection;
import dev.atelier.inference.io.ModelDetector.Format;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDetectorTest {
    @TempDir
    Path tmp;

    private final Fixture fx = FixtureSupport.fixture();

    private Detection detect(String rel) {
        return ModelDetector.detect(fx.dir().resolve(rel));
    }

    private static void expect(Detection d, Component c, String arch, Format f, String layout) {
        assertEquals(c, d.component(), d.toString());
        assertTrue(d.architecture().startsWith(arch), d.toString());
        assertEquals(f, d.format(), d.toString());
        if (layout != null) {
            assertEquals(layout, d.layout(), d.toString());
        }
    }

    @Test
    void comfyFiles() {
        expect(detect("comfy/qwen_image_edit_2511_tiny_bf16.safetensors"), Component.TRANSFORMER,
                "qwen-image-edit-2511", Format.BF16, "diffusers");
        expect(detect("comfy/qwen_image_edit_2511_tiny_fp8_scaled.safetensors"), Component.TRANSFORMER,
                "qwen-image-edit-2511", Format.FP8_SCALED, null);
        expect(detect("comfy/qwen_image_edit_2511_tiny_fp8mixed.safetensors"), Component.TRANSFORMER,
                "qwen-image-edit-2511", Format.FP8_MIXED, null);
        expect(detect("comfy/qwen_2.5_vl_tiny_bf16.safetensors"), Component.TEXT_ENCODER, "qwen2.5-vl", Format.BF16,
                "comfyui");
        expect(detect("comfy/qwen_image_vae_tiny_bf16.safetensors"), Component.VAE, "qwen-image-vae", Format.BF16,
                "wan-2.1");
    }

    @Test
    void diffusersFoldersReadTheirConfig() {
        Path edit = fx.editModel().orElseThrow();
        Path t2i = fx.t2iModel().orElseThrow();
        expect(ModelDetector.detect(edit.resolve("transformer")), Component.TRANSFORMER, "qwen-image-edit-2511",
                Format.FP32, "diffusers");
        expect(ModelDetector.detect(t2i.resolve("transformer")), Component.TRANSFORMER, "qwen-image-2512",
                Format.FP32, "diffusers");
        expect(ModelDetector.detect(t2i.resolve("transformer/diffusion_pytorch_model.safetensors")),
                Component.TRANSFORMER, "qwen-image-2512", Format.FP32, "diffusers");
        expect(ModelDetector.detect(edit.resolve("vae")), Component.VAE, "qwen-image-vae", Format.FP32, "diffusers");
        expect(ModelDetector.detect(edit.resolve("text_encoder")), Component.TEXT_ENCODER, "qwen2.5-vl", Format.FP32,
                "comfyui");
    }

    @Test
    void ggufAndLoras() {
        Detection g = detect("gguf/qwen_image_edit_2511_tiny-mixed.gguf");
        expect(g, Component.TRANSFORMER, "qwen-image-edit-2511", Format.GGUF, "diffusers");
        assertTrue(g.notes().stream().anyMatch(n -> n.contains("Q4_K")), g.notes().toString());
        expect(detect("lora/lora_lightx2v.safetensors"), Component.LORA, "qwen-image transformer LoRA", Format.FP32, "lightx2v");
        expect(detect("lora/lora_diffusion_model_prefix.safetensors"), Component.LORA, "qwen-image transformer LoRA", Format.FP32,
                "lightx2v_prefixed");
        expect(detect("lora/lora_kohya.safetensors"), Component.LORA, "qwen-image transformer LoRA", Format.FP32, "kohya");
        expect(detect("lora/lora_peft_diffusers.safetensors"), Component.LORA, "qwen-image transformer LoRA", Format.FP32, "peft");
    }

    @Test
    void ggufOfAnotherArchitectureIsNotQwenImage() throws Exception {
        Path p = new GgufWriter().kvString("general.architecture", "flux")
                .tensor("double_blocks.0.img_attn.qkv.weight", 0, new byte[16], 2, 2).write(tmp, "flux.gguf");
        Detection d = ModelDetector.detect(p);
        assertEquals(Component.UNKNOWN, d.component());
        assertTrue(d.notes().toString().contains("not a Qwen-Image model"), d.toString());
    }

    @Test
    void unscaledFp8IsReportedNotRefused() throws Exception {
        Path p = SafetensorsBytes.write(tmp, "plain_fp8.safetensors", SafetensorsBytes.file(
                "{\"transformer_blocks.0.attn.to_q.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,4]}}",
                new byte[4]));
        expect(ModelDetector.detect(p), Component.TRANSFORMER, "qwen-image-2512", Format.FP8_UNSCALED, "diffusers");
    }
}
