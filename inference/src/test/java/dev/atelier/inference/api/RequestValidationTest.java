package dev.atelier.inference.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestValidationTest {
    static final Path MODEL = Path.of("/models/qwen-image-edit-2511");
    static final RgbImage PHOTO = RgbImage.filled(640, 480, 0x336699);

    static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void settingsNameTheFieldAndTheRange() {
        GenerationSettings ok = GenerationSettings.defaults(7);
        assertTrue(error(() -> ok.withSteps(0)).startsWith("steps: 0"));
        assertTrue(error(() -> ok.withSteps(10_000)).startsWith("steps: 10000"));
        assertTrue(error(() -> ok.withCfg(Double.NaN)).startsWith("cfg: NaN"));
        assertTrue(error(() -> ok.withCfg(0.5)).startsWith("cfg:"));
        assertTrue(error(() -> ok.withShift(-1.0)).startsWith("shift:"));
        assertTrue(error(() -> new LoraSpec("a.safetensors", Double.POSITIVE_INFINITY)).startsWith("loras:"));
        assertTrue(error(() -> new LoraSpec(" ", 1)).startsWith("loras:"));
    }

    @Test
    void editRequestChecksImagesMaskPromptAndStrength() {
        GenerationSettings s = GenerationSettings.defaults(1);
        EditRequest r = EditRequest.of(MODEL, PHOTO, "add a hat", s);
        assertEquals("", r.negative());
        assertEquals(Preset.EDIT, r.kind());
        assertTrue(error(() -> EditRequest.of(MODEL, null, "x", s)).startsWith("source:"));
        assertEquals("source: 1x1 pixels; Qwen-Image needs at least 16x16 — use a larger image",
                error(() -> EditRequest.of(MODEL, RgbImage.filled(1, 1, 0), "x", s)));
        assertTrue(error(() -> EditRequest.of(MODEL, RgbImage.filled(7, 13, 0), "x", s)).startsWith("source: 7x13"));
        assertTrue(error(() -> r.withReferences(List.of(PHOTO, RgbImage.filled(640, 8, 0))))
                .startsWith("references[1]: 640x8 pixels"));
        assertTrue(error(() -> EditRequest.of(null, PHOTO, "x", s)).startsWith("model:"));
        assertTrue(error(() -> EditRequest.of(MODEL, PHOTO, "  ", s)).startsWith("prompt:"));
        assertTrue(error(() -> r.withMask(MaskImage.filled(640, 480, 0))).startsWith("mask: nothing is painted"));
        // a mask of another size is accepted: the pipeline resizes it
        assertEquals(10, r.withMask(MaskImage.filled(10, 10, 255)).mask().width());
        assertTrue(error(() -> r.withStrength(0)).startsWith("strength:"));
        assertTrue(error(() -> r.withStrength(1.5)).startsWith("strength:"));
        assertTrue(error(() -> r.withReferences(List.of(PHOTO, PHOTO, PHOTO, PHOTO))).startsWith("references: 4"));
        assertTrue(error(() -> r.withReferences(List.of(RgbImage.filled(4000, 100, 0)))).startsWith("references[0]: aspect"));
        assertTrue(error(() -> r.withSize(SizePolicy.exact(1000, 512))).startsWith("size.width: 1000 is not a multiple of 16; use 992 or 1008"));
    }

    @Test
    void outputSizeFollowsThePolicy() {
        EditRequest r = EditRequest.of(MODEL, PHOTO, "x", GenerationSettings.defaults(1));
        assertArrayEquals(new int[] {640, 480}, r.outputSize());
        assertArrayEquals(new int[] {512, 768}, r.withSize(SizePolicy.exact(512, 768)).outputSize());
        // calculate_dimensions(1024*1024, 4/3): sqrt(1048576 * 4/3) = 1182.4 -> 1184, 886.8 -> 896
        assertArrayEquals(new int[] {1184, 896}, r.withSize(SizePolicy.modelArea()).outputSize());
    }

    @Test
    void generateRequestChecksSize() {
        GenerationSettings s = GenerationSettings.defaults(1);
        assertEquals(1024, new GenerateRequest(MODEL, "a cat", null, 1024, 1024, s).width());
        assertTrue(error(() -> new GenerateRequest(MODEL, "a cat", null, 100, 1024, s)).startsWith("width: 100 is outside"));
        assertTrue(error(() -> new GenerateRequest(MODEL, "a cat", null, 1024, 1030, s)).startsWith("height: 1030"));
    }

    @Test
    void imagesCheckTheirPixelCount() {
        assertTrue(error(() -> new RgbImage(2, 2, new int[3])).startsWith("image pixels"));
        assertTrue(error(() -> new MaskImage(0, 2, new byte[0])).startsWith("mask size"));
        RgbImage img = RgbImage.fromRgbBytes(1, 1, new byte[] {1, 2, 3});
        assertEquals(0x010203, img.rgb(0, 0));
        assertArrayEquals(new byte[] {1, 2, 3}, img.toRgbBytes());
    }

    @Test
    void parametersRoundTripThroughJson() {
        GenerationSettings s = new GenerationSettings("quick-preview", WeightVariant.FP8, -42L, 4, 1.0, 3.0,
                List.of(new LoraSpec("Qwen-Image-Edit-2511-Lightning-4steps-V1.0-bf16.safetensors", 1.0)));
        EditRequest r = EditRequest.of(MODEL, PHOTO, "把天空变成日落", s).withNegative("blurry")
                .withMask(MaskImage.filled(640, 480, 255)).withStrength(0.9);
        GenerationParameters p = GenerationParameters.of(r, 640, 480, List.of("transformer/a.safetensors"), Engine.VERSION, "n");
        String json = p.toJson();
        GenerationParameters back = GenerationParameters.fromJson(json);
        assertEquals(p, back);
        assertEquals(s, back.settings());
        assertTrue(json.contains("\"schemaVersion\" : 1"), json);
        GenerateRequest g = new GenerateRequest(MODEL, "a cat", "", 1024, 768, GenerationSettings.defaults(3));
        GenerationParameters pg = GenerationParameters.of(g, 1024, 768, List.of(), Engine.VERSION, "n");
        assertEquals(pg, GenerationParameters.fromJson(pg.toJson()));
        assertTrue(error(() -> GenerationParameters.fromJson("{\"schemaVersion\": 99}")).contains("newer"));
        assertTrue(error(() -> GenerationParameters.fromJson("not json")).startsWith("generation parameters:"));
    }
}
