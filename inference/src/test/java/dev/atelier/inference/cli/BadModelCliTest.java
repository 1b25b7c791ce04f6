package dev.atelier.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.engine.QwenImageRunners;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.pipeline.ComfyFolders;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged, truncated and wrong model files given to {@code atelier generate / edit} with the real engine: every run
 * fails before the first step with exit code 2, a message naming the file and what to do (never "internal error"),
 * and the existing output file is left as it was.
 */
class BadModelCliTest {
    @TempDir
    Path dir;
    Path out;
    byte[] previous;
    String err;

    @BeforeEach
    void setUp() throws Exception {
        CliEngine.factory = QwenImageRunners::localEngine;
        out = dir.resolve("out.png");
        previous = "an earlier result".getBytes(StandardCharsets.UTF_8);
        Files.write(out, previous);
    }

    int cli(String... args) {
        StringWriter e = new StringWriter();
        int code = AtelierCli.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(e)).execute(args);
        err = e.toString();
        return code;
    }

    int generate(Path model, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a cat",
                "--width", "256", "--height", "256", "--steps", "1", "--cfg", "1", "--seed", "1", "--out", out.toString()));
        a.addAll(List.of(more));
        return cli(a.toArray(String[]::new));
    }

    int edit(Path model) {
        return cli("edit", "--model", model.toString(), "--image", FixtureSupport.dir().resolve("reference/input_image.png")
                .toString(), "--prompt", "a cat", "--steps", "1", "--cfg", "1", "--seed", "1", "--size", "256x256",
                "--out", out.toString());
    }

    /** Exit 2, {@code fragments} in the message, no stack trace or "internal error", the old output untouched. */
    void assertRefused(int rc, String... fragments) throws Exception {
        assertEquals(2, rc, err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' not in: " + err);
        }
        assertFalse(err.contains("internal error") || err.contains("Exception") || err.contains("\tat "), err);
        assertArrayEquals(previous, Files.readAllBytes(out), "the existing output must survive a failed run");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    Path copyOfT2i(String name) throws Exception {
        return FixtureSupport.copyTree(FixtureSupport.fixture().t2iModel().orElseThrow(), dir.resolve(name));
    }

    @Test
    void damagedWeightFilesNameTheFileAndSayToDownloadItAgain() throws Exception {
        Path weights = Path.of("transformer/diffusion_pytorch_model.safetensors");
        byte[] good = Files.readAllBytes(FixtureSupport.fixture().t2iModel().orElseThrow().resolve(weights));
        int header = (int) ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] badJson = good.clone();
        badJson[9] = '#';
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("cut mid-tensor", Arrays.copyOf(good, good.length - 1000));
        cases.put("cut inside the header", Arrays.copyOf(good, 8 + header / 2));
        cases.put("header not JSON", badJson);
        cases.put("a PNG renamed", Files.readAllBytes(FixtureSupport.dir().resolve("reference/mask_image.png")));
        cases.put("empty", new byte[0]);
        Map<String, String> expected = Map.of("cut mid-tensor", "lie outside", "cut inside the header", "runs past the end",
                "header not JSON", "not valid JSON", "a PNG renamed", "not a safetensors file", "empty", "0 bytes");
        int i = 0;
        for (var c : cases.entrySet()) {
            Path model = copyOfT2i("m" + i++);
            Files.write(model.resolve(weights), c.getValue());
            assertRefused(generate(model), model.resolve(weights).toString(), expected.get(c.getKey()),
                    "Download the file again");
        }
        // the same for the other components' files
        for (String file : List.of("vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors")) {
            Path model = copyOfT2i("m" + i++);
            byte[] b = Files.readAllBytes(model.resolve(file));
            Files.write(model.resolve(file), Arrays.copyOf(b, b.length - 1000));
            assertRefused(generate(model), model.resolve(file).toString(), "truncated file?", "Download the file again");
        }
        // the VAE's weights where the transformer's belong
        Path swapped = copyOfT2i("swapped");
        Files.copy(swapped.resolve("vae/diffusion_pytorch_model.safetensors"), swapped.resolve(weights),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(generate(swapped), swapped.resolve(weights).toString(), "missing weight");
    }

    @Test
    void damagedConfigNamesTheFileAndTheLineOrField() throws Exception {
        Path model = copyOfT2i("bad-json");
        Files.writeString(model.resolve("transformer/config.json"), "{\"num_layers\": 2,,}");
        assertRefused(generate(model), model.resolve("transformer/config.json").toString(), "line 1, column 18",
                "Download the model folder again");
        Files.writeString(model.resolve("transformer/config.json"), "{\"in_channels\": \"x\"}");
        assertRefused(generate(model), model.resolve("transformer/config.json").toString(), "field in_channels");
        model = copyOfT2i("bad-vae-json");
        Files.writeString(model.resolve("vae/config.json"), "{");
        assertRefused(generate(model), model.resolve("vae/config.json").toString());
    }

    @Test
    void wrongModelsAreNamed() throws Exception {
        Path t2i = FixtureSupport.fixture().t2iModel().orElseThrow();
        assertRefused(generate(t2i.resolve("vae")), "has no model_index.json");
        assertRefused(generate(t2i.resolve("text_encoder")), "has no model_index.json");
        assertRefused(generate(t2i.resolve("vae/diffusion_pytorch_model.safetensors")), "is a single file outside");
        assertRefused(generate(FixtureSupport.fixture().editModel().orElseThrow()), "is a Qwen-Image-Edit model");
        assertRefused(edit(t2i), "is a text-to-image model");
        assertRefused(generate(t2i, "--lora", t2i.resolve("vae/diffusion_pytorch_model.safetensors").toString()),
                "not a LoRA");
    }

    @Test
    void unusableComfyUiFilesAreListedWithTheirProblem() throws Exception {
        Path models = ComfyFolders.models(dir.resolve("c1"), List.of(ComfyFolders.GGUF), true);
        Path gguf = models.resolve("diffusion_models").resolve(ComfyFolders.GGUF);
        byte[] b = Files.readAllBytes(gguf);
        Files.write(gguf, Arrays.copyOf(b, b.length - 5000));
        assertRefused(edit(models), "unusable", ComfyFolders.GGUF, "Download the unusable files again");
        Files.delete(gguf);
        Files.copy(FixtureSupport.dir().resolve("gguf/quant_blocks_random.gguf"),
                models.resolve("diffusion_models/other.gguf"));
        assertRefused(edit(models), "other.gguf: not a diffusion transformer");
        assertRefused(edit(models.resolve("diffusion_models/other.gguf")), "is not a Qwen-Image diffusion transformer");
        models = ComfyFolders.models(dir.resolve("c2"), List.of(ComfyFolders.BF16), true);
        Path vae = models.resolve("vae").resolve(ComfyFolders.VAE);
        b = Files.readAllBytes(vae);
        Files.write(vae, Arrays.copyOf(b, b.length - 500));
        assertRefused(edit(models), vae.toString(), "truncated file?");
    }
}
