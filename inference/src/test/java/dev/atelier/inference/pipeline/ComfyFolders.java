package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.Floats;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.parity.FixtureSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test folders built from the fixture: a ComfyUI-style {@code models/} folder from its {@code comfy/} (and
 * {@code gguf/}) files, and a copy of the diffusers edit folder with every weight rounded to bf16 (what the comfy
 * bf16 files hold).
 *
 * <p>The fixture's tiny text encoder was trained with a tiny tokenizer (not the Qwen vocabulary) and its transformer
 * has a head dim (16) whose rope split cannot be inferred from weights, so the folder gets an {@code atelier/}
 * override folder (see {@link ComfyModelSource}) with the fixture's configs and tokenizer/processor. Real ComfyUI
 * users need none: the released architecture's configs, the bundled Qwen2.5 tokenizer and the Qwen-Image processor
 * and scheduler configs are used.
 */
public final class ComfyFolders {
    public static final String BF16 = "qwen_image_edit_2511_tiny_bf16.safetensors";
    public static final String FP8_SCALED = "qwen_image_edit_2511_tiny_fp8_scaled.safetensors";
    public static final String GGUF = "qwen_image_edit_2511_tiny-mixed.gguf";
    public static final String TEXT_ENCODER = "qwen_2.5_vl_tiny_bf16.safetensors";
    public static final String VAE = "qwen_image_vae_tiny_bf16.safetensors";

    private ComfyFolders() {}

    /**
     * {@code root/models/}: diffusion_models/ with {@code transformers} (file names from the fixture's comfy/ or
     * gguf/), text_encoders/, vae/ (unless {@code withVae} is false) and the atelier/ overrides (without scheduler/:
     * the bundled default is used).
     */
    public static Path models(Path root, List<String> transformers, boolean withVae) {
        Path fx = FixtureSupport.dir();
        Path edit = FixtureSupport.fixture().editModel().orElseThrow();
        Path models = root.resolve("models");
        try {
            Files.createDirectories(models.resolve("diffusion_models"));
            for (String t : transformers) {
                Path src = t.endsWith(".gguf") ? fx.resolve("gguf").resolve(t) : fx.resolve("comfy").resolve(t);
                Files.copy(src, models.resolve("diffusion_models").resolve(t));
            }
            Files.createDirectories(models.resolve("text_encoders"));
            Files.copy(fx.resolve("comfy").resolve(TEXT_ENCODER), models.resolve("text_encoders").resolve(TEXT_ENCODER));
            if (withVae) {
                Files.createDirectories(models.resolve("vae"));
                Files.copy(fx.resolve("comfy").resolve(VAE), models.resolve("vae").resolve(VAE));
            }
            Path over = models.resolve(ComfyModelSource.OVERRIDES);
            for (String part : List.of("transformer", "vae", "text_encoder")) {
                Files.createDirectories(over.resolve(part));
                Files.copy(edit.resolve(part).resolve("config.json"), over.resolve(part).resolve("config.json"));
            }
            for (String part : List.of("processor", "tokenizer")) {
                copyTree(edit.resolve(part), over.resolve(part), p -> true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return models;
    }

    /**
     * {@code root/models/} for text to image: the 2512 diffusers transformer written as one ComfyUI-style file
     * (diffusers keys without prefix, no {@code __index_timestep_zero__} marker, weights rounded to bf16), the comfy
     * text encoder and VAE, and atelier/ overrides from the 2512 folder (tokenizer/, configs).
     */
    public static Path t2iModels(Path root) {
        Path t2i = FixtureSupport.fixture().t2iModel().orElseThrow();
        Path models = root.resolve("models");
        try {
            Path fx = FixtureSupport.dir();
            for (String d : List.of("diffusion_models", "text_encoders", "vae")) {
                Files.createDirectories(models.resolve(d));
            }
            try (Stream<Path> s = Files.list(t2i.resolve("transformer"))) {
                List<Path> st = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
                if (st.size() != 1) {
                    throw new IllegalStateException("expected one transformer file in " + t2i);
                }
                roundToBf16(st.getFirst(), models.resolve("diffusion_models/qwen_image_2512_tiny.safetensors"));
            }
            Files.copy(fx.resolve("comfy").resolve(TEXT_ENCODER), models.resolve("text_encoders").resolve(TEXT_ENCODER));
            Files.copy(fx.resolve("comfy").resolve(VAE), models.resolve("vae").resolve(VAE));
            Path over = models.resolve(ComfyModelSource.OVERRIDES);
            for (String part : List.of("transformer", "vae", "text_encoder")) {
                Files.createDirectories(over.resolve(part));
                Files.copy(t2i.resolve(part).resolve("config.json"), over.resolve(part).resolve("config.json"));
            }
            copyTree(t2i.resolve("tokenizer"), over.resolve("tokenizer"), p -> true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return models;
    }

    /** A copy of the diffusers edit folder whose float32 weights are rounded to bf16 (round to nearest even). */
    public static Path diffusersRoundedToBf16(Path root) {
        Path edit = FixtureSupport.fixture().editModel().orElseThrow();
        Path out = root.resolve("diffusers-bf16");
        try {
            copyTree(edit, out, p -> !p.getFileName().toString().endsWith(".safetensors"));
            try (Stream<Path> s = Files.walk(edit)) {
                for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                    roundToBf16(f, out.resolve(edit.relativize(f)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void roundToBf16(Path src, Path dst) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(src); NDManager m = NDManager.newBaseManager()) {
            for (TensorInfo i : f.tensors().values()) {
                if (!i.dtype().equals("F32")) {
                    throw new IllegalStateException(src + ": " + i.name() + " is " + i.dtype() + ", expected F32");
                }
                float[] v = f.load(i.name(), m, DataType.FLOAT32).toFloatArray();
                for (int k = 0; k < v.length; k++) {
                    v[k] = Floats.bf16(Floats.toBf16(v[k]));
                }
                values.put(i.name(), v);
                shapes.put(i.name(), i.shape());
            }
        }
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : shapes.entrySet()) {
            long n = values.get(e.getKey()).length;
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(Arrays.toString(e.getValue()).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(off).append(',').append(off + 4 * n).append("]}");
            off += 4 * n;
        }
        StringBuilder hs = h.append('}');
        while ((hs.length() + 8) % 8 != 0) {
            hs.append(' ');
        }
        byte[] hb = hs.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        for (float[] v : values.values()) {
            for (float x : v) {
                b.putFloat(x);
            }
        }
        Files.createDirectories(dst.getParent());
        Files.write(dst, b.array());
    }

    private static void copyTree(Path from, Path to, java.util.function.Predicate<Path> keep) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (keep.test(p)) {
                    Files.copy(p, t);
                }
            }
        }
    }
}
