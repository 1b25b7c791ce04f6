package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.io.KeyMapper.Component;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Key mapping tables against the fixture's ComfyUI files and the diffusers folders they were written from. */
class KeyMapperTest {
    private final Fixture fx = FixtureSupport.fixture();
    private final Path comfy = fx.dir().resolve("comfy");

    /** The mapped view lists exactly the diffusers folder's keys, with the same shapes. */
    private static void assertSameTable(MappedStore view, WeightStore reference, String refPrefixToDrop) {
        Map<String, TensorInfo> ref = reference.tensors().entrySet().stream()
                .filter(e -> refPrefixToDrop == null || !e.getKey().startsWith(refPrefixToDrop))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(new TreeSet<>(ref.keySet()), new TreeSet<>(view.tensors().keySet()));
        for (TensorInfo t : view.tensors().values()) {
            assertArrayEquals(ref.get(t.name()).shape(), t.shape(), t.name());
        }
        assertEquals(List.of(), view.unmapped());
    }

    @Test
    void vaeRulesReproduceTheFullReferenceMap() {
        JsonNode map = Fixture.readJson(fx.dir().resolve("reference/comfy.json")).path("vae_key_map");
        try (WeightStore wan = WeightStores.open(comfy.resolve("qwen_image_vae_tiny_bf16.safetensors"))) {
            KeyMapper.Bound b = KeyMapper.of(Component.VAE).bind(wan.tensors().keySet());
            assertEquals("wan-2.1", b.layout().name());
            assertEquals(4L, b.params().get("G"));
            int n = 0;
            for (var it = map.fields(); it.hasNext(); n++) {
                var e = it.next();
                assertEquals(e.getValue().asText(), b.toStored(e.getKey()), "diffusers -> original of " + e.getKey());
                assertEquals(e.getKey(), b.toCanonical(e.getValue().asText()), "original -> diffusers of " + e.getValue());
            }
            assertEquals(wan.tensors().size(), n, "the reference map covers every tensor");
        }
        try (MappedStore view = KeyMapper.view(WeightStores.open(comfy.resolve("qwen_image_vae_tiny_bf16.safetensors")),
                Component.VAE);
             WeightStore diffusers = WeightStores.open(fx.editModel().orElseThrow().resolve("vae"))) {
            assertSameTable(view, diffusers, null);
        }
    }

    @Test
    void vaeGroupSizeIsReadFromTheFile() {
        // A VAE with num_res_blocks = 3 (5 entries per up block): upsampler of block 0 at index 4.
        List<String> keys = List.of("decoder.upsamples.0.residual.0.gamma", "decoder.upsamples.4.resample.1.weight",
                "decoder.upsamples.5.residual.0.gamma", "encoder.downsamples.0.residual.0.gamma");
        KeyMapper.Bound b = KeyMapper.of(Component.VAE).bind(keys);
        assertEquals(5L, b.params().get("G"));
        assertEquals("decoder.up_blocks.1.resnets.0.norm1.gamma", b.toCanonical("decoder.upsamples.5.residual.0.gamma"));
        assertEquals("decoder.up_blocks.0.upsamplers.0.resample.1.weight",
                b.toCanonical("decoder.upsamples.4.resample.1.weight"));
        assertEquals("decoder.upsamples.9.resample.1.weight", b.toStored("decoder.up_blocks.1.upsamplers.0.resample.1.weight"));
        // r beyond the block's resnets is not a valid diffusers key: left unmapped.
        assertEquals("decoder.up_blocks.0.resnets.4.norm1.gamma", b.toStored("decoder.up_blocks.0.resnets.4.norm1.gamma"));
    }

    @Test
    void textEncoderLayoutsMapToTheSavedNames() {
        try (MappedStore comfyTe = KeyMapper.view(WeightStores.open(comfy.resolve("qwen_2.5_vl_tiny_bf16.safetensors")),
                Component.TEXT_ENCODER);
             MappedStore saved = KeyMapper.view(WeightStores.open(fx.editModel().orElseThrow().resolve("text_encoder")),
                     Component.TEXT_ENCODER)) {
            assertEquals("comfyui", comfyTe.bound().layout().name());
            assertEquals("comfyui", saved.bound().layout().name());
            assertSameTable(comfyTe, saved, "lm_head.");
        }
        // transformers 5.17 in-memory / Hub names (reference text_encoder_state_dict_keys_sample) <-> saved names
        KeyMapper.Bound hub = KeyMapper.of(Component.TEXT_ENCODER).bind(List.of("model.language_model.norm.weight",
                "model.visual.blocks.0.norm1.weight", "lm_head.weight"));
        assertEquals("transformers", hub.layout().name());
        assertEquals("model.language_model.layers.1.post_attention_layernorm.weight",
                hub.toStored("model.layers.1.post_attention_layernorm.weight"));
        assertEquals("model.visual.patch_embed.proj.weight", hub.toStored("visual.patch_embed.proj.weight"));
        assertEquals("visual.blocks.0.norm1.weight", hub.toCanonical("model.visual.blocks.0.norm1.weight"));
        assertEquals("model.norm.weight", hub.toCanonical("model.language_model.norm.weight"));
        assertEquals("lm_head.weight", hub.toCanonical("lm_head.weight"));
        KeyMapper.Bound ckpt = KeyMapper.of(Component.TEXT_ENCODER).bind(List.of(
                "text_encoders.qwen25_7b.transformer.model.layers.0.mlp.up_proj.weight"));
        assertEquals("text_encoders.qwen25_7b.transformer.visual.merger.mlp.0.weight",
                ckpt.toStored("visual.merger.mlp.0.weight"));
    }

    @Test
    void transformerPrefixesAndMarkers() {
        try (MappedStore view = KeyMapper.view(WeightStores.open(
                comfy.resolve("qwen_image_edit_2511_tiny_bf16.safetensors")), Component.TRANSFORMER);
             WeightStore diffusers = WeightStores.open(fx.editModel().orElseThrow().resolve("transformer"))) {
            assertEquals("diffusers", view.bound().layout().name());
            assertSameTable(view, diffusers, null);
            assertNull(view.bound().toCanonical("__index_timestep_zero__"));
        }
        for (String prefix : List.of("model.diffusion_model.", "diffusion_model.")) {
            KeyMapper.Bound b = KeyMapper.of(Component.TRANSFORMER).bind(List.of(prefix + "transformer_blocks.0.attn.to_q.weight",
                    prefix + "img_in.weight"));
            assertEquals(prefix + "img_in.weight", b.toStored("img_in.weight"));
            assertEquals("transformer_blocks.0.attn.to_q.weight", b.toCanonical(prefix + "transformer_blocks.0.attn.to_q.weight"));
        }
    }

    @Test
    void ggufTransformerIsAlreadyDiffusersNamed() {
        try (MappedStore view = KeyMapper.view(WeightStores.open(fx.dir().resolve("gguf/qwen_image_edit_2511_tiny-mixed.gguf")),
                Component.TRANSFORMER);
             WeightStore diffusers = WeightStores.open(fx.editModel().orElseThrow().resolve("transformer"))) {
            assertSameTable(view, diffusers, null);
            assertTrue(view.quantized("img_in.weight").isPresent());
        }
    }
}
