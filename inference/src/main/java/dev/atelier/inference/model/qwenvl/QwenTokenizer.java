package dev.atelier.inference.model.qwenvl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Qwen2 / Qwen2.5-VL tokenizer (byte-level BPE plus the Qwen special tokens) through DJL's HuggingFace
 * tokenizers. Ids equal transformers' {@code Qwen2Tokenizer}: no BOS/EOS is added, added tokens such as
 * {@code <|im_start|>} or {@code <|image_pad|>} in the text become their single id, batches are right-padded with
 * {@code <|endoftext|>} and truncation (when asked) keeps the first {@code maxLength} tokens.
 *
 * <p>Thread-safe for encoding and decoding. Close it to free the native tokenizer.
 */
public final class QwenTokenizer implements AutoCloseable {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String ENDOFTEXT = "<|endoftext|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String IMAGE_PAD = "<|image_pad|>";

    /** Classpath folder of the bundled Qwen2.5-VL tokenizer (vocab.json, merges.txt, tokenizer_config.json). */
    static final String BUNDLED = "/tokenizers/qwen2.5/";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "1000000");

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Long> specialIds;
    private final long padId;
    private final String source;

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Map<Integer, QwenTokenizerJson.AddedToken> added, String padToken, String source) {
        this.tokenizer = tokenizer;
        this.source = source;
        Map<String, Long> ids = new HashMap<>();
        added.forEach((id, t) -> ids.put(t.content(), (long) id));
        this.specialIds = Map.copyOf(ids);
        Long pad = specialIds.get(padToken);
        if (pad == null) {
            throw new IllegalArgumentException(source + ": pad token " + padToken + " is not an added token of this tokenizer");
        }
        this.padId = pad;
        for (String required : List.of(IM_START, IM_END, VISION_START, VISION_END, IMAGE_PAD)) {
            if (!specialIds.containsKey(required)) {
                throw new IllegalArgumentException(source + ": " + required
                        + " is missing from the added tokens; is this a Qwen2-VL / Qwen2.5-VL tokenizer?");
            }
        }
    }

    /**
     * Loads a tokenizer folder: {@code tokenizer.json} if present, otherwise {@code vocab.json} + {@code merges.txt}
     * with the added tokens of {@code tokenizer_config.json} (or {@code added_tokens.json}).
     */
    public static QwenTokenizer fromFolder(Path dir) {
        try {
            JsonNode config = readJsonIfExists(dir.resolve("tokenizer_config.json"));
            String pad = config.path("pad_token").asText(ENDOFTEXT);
            Path json = dir.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) {
                byte[] bytes = Files.readAllBytes(json);
                var added = QwenTokenizerJson.addedTokens(rewrapAdded(JSON.readTree(bytes)));
                return open(bytes, added, pad, json.toString());
            }
            Path vocab = dir.resolve("vocab.json");
            Path merges = dir.resolve("merges.txt");
            if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges)) {
                throw new IllegalArgumentException(dir + ": no tokenizer.json and no vocab.json + merges.txt; "
                        + "point at a Qwen-Image 'tokenizer' folder or use the bundled tokenizer");
            }
            Map<Integer, QwenTokenizerJson.AddedToken> added = QwenTokenizerJson.addedTokens(config);
            Path addedJson = dir.resolve("added_tokens.json");
            if (added.isEmpty() && Files.isRegularFile(addedJson)) {
                JSON.readTree(addedJson.toFile()).fields()
                        .forEachRemaining(e -> added.put(e.getValue().asInt(), new QwenTokenizerJson.AddedToken(e.getKey(), true)));
            }
            try (InputStream v = Files.newInputStream(vocab); InputStream m = Files.newInputStream(merges)) {
                return open(QwenTokenizerJson.build(v, m, added), added, pad, dir.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * The Qwen2.5-VL tokenizer shipped with Atelier (for ComfyUI single-file text encoders, which come without
     * tokenizer files). Source and licence: {@code tokenizers/qwen2.5/NOTICE} in the jar.
     */
    public static QwenTokenizer bundled() {
        try (InputStream cfg = resource("tokenizer_config.json");
                InputStream v = resource("vocab.json");
                InputStream m = resource("merges.txt")) {
            JsonNode config = JSON.readTree(cfg);
            var added = QwenTokenizerJson.addedTokens(config);
            return open(QwenTokenizerJson.build(v, m, added), added, config.path("pad_token").asText(ENDOFTEXT),
                    "bundled Qwen2.5-VL tokenizer");
        } catch (IOException e) {
            throw new UncheckedIOException("bundled tokenizer: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = QwenTokenizer.class.getResourceAsStream(BUNDLED + name);
        if (in == null) {
            throw new IOException(BUNDLED + name + " is missing from the classpath (broken build?)");
        }
        return in;
    }

    private static QwenTokenizer open(byte[] tokenizerJson, Map<Integer, QwenTokenizerJson.AddedToken> added, String pad, String source)
            throws IOException {
        HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), OPTIONS);
        return new QwenTokenizer(tok, added, pad, source);
    }

    /** tokenizer.json lists added tokens as an array; present them as tokenizer_config's id → content object. */
    private static JsonNode rewrapAdded(JsonNode tokenizerJson) {
        var dec = JSON.createObjectNode();
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            dec.putObject(t.path("id").asText()).put("content", t.path("content").asText())
                    .put("special", t.path("special").asBoolean(true));
        }
        var cfg = JSON.createObjectNode();
        cfg.set("added_tokens_decoder", dec);
        return cfg;
    }

    private static JsonNode readJsonIfExists(Path p) throws IOException {
        return Files.isRegularFile(p) ? JSON.readTree(p.toFile()) : JSON.createObjectNode();
    }

    /** The ids of one text (no special tokens added, no truncation). */
    public long[] encode(String text) {
        Objects.requireNonNull(text, "text");
        Encoding e = tokenizer.encode(text, false, false);
        return e.getIds();
    }

    /** Tokenises a batch, right-padded to the longest row with {@link #padId()}; no truncation. */
    public TokenBatch encode(List<String> texts) {
        return encode(texts, Integer.MAX_VALUE);
    }

    /**
     * Tokenises a batch keeping at most {@code maxLength} tokens per text (transformers' {@code truncation=True,
     * max_length=maxLength}: the tail is cut), then right-pads to the longest row.
     */
    public TokenBatch encode(List<String> texts, int maxLength) {
        if (maxLength <= 0) {
            throw new IllegalArgumentException("maxLength must be positive, got " + maxLength);
        }
        long[][] rows = new long[texts.size()][];
        int longest = 0;
        for (int b = 0; b < rows.length; b++) {
            long[] ids = encode(texts.get(b));
            rows[b] = ids.length > maxLength ? Arrays.copyOf(ids, maxLength) : ids;
            longest = Math.max(longest, rows[b].length);
        }
        return pad(rows, longest);
    }

    /** Right-pads rows of ids to {@code length} with the pad id; the mask marks the original tokens. */
    public TokenBatch pad(long[][] rows, int length) {
        long[][] ids = new long[rows.length][length];
        long[][] mask = new long[rows.length][length];
        for (int b = 0; b < rows.length; b++) {
            Arrays.fill(ids[b], padId);
            System.arraycopy(rows[b], 0, ids[b], 0, rows[b].length);
            Arrays.fill(mask[b], 0, rows[b].length, 1L);
        }
        return new TokenBatch(ids, mask);
    }

    /** Decodes ids back to text; special tokens are kept unless {@code skipSpecialTokens}. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The id of an added (special) token such as {@link #IMAGE_PAD}. */
    public long tokenId(String specialToken) {
        Long id = specialIds.get(specialToken);
        if (id == null) {
            throw new IllegalArgumentException(specialToken + " is not a special token of " + source);
        }
        return id;
    }

    public long padId() {
        return padId;
    }

    /** Where this tokenizer was loaded from (for messages). */
    public String source() {
        return source;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
