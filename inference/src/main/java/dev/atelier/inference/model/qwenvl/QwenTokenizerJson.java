package dev.atelier.inference.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the {@code tokenizer.json} of a Qwen2 byte-level BPE from {@code vocab.json}, {@code merges.txt} and the
 * added tokens of {@code tokenizer_config.json}, for folders that ship only those (ComfyUI's bundled tokenizer, older
 * Hub snapshots). The pipeline is the one transformers 5.17's {@code Qwen2Tokenizer} builds from the same files:
 * NFC normaliser, the Qwen2 split regex (isolated) then byte-level pre-tokenisation without prefix space, BPE without
 * unk/dropout, byte-level decoder; added tokens are matched before normalisation.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2/tokenization_qwen2.py (pipeline settings)
final class QwenTokenizerJson {
    private QwenTokenizerJson() {}

    static final String PRETOKENIZE_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param vocab the {@code vocab.json} stream
     * @param merges the {@code merges.txt} stream ({@code #version} header optional)
     * @param addedTokens id → content of the added (special) tokens
     */
    /** An added token of {@code tokenizer_config.json}: matched whole; {@code special} ones are skipped by decode. */
    record AddedToken(String content, boolean special) {}

    static byte[] build(InputStream vocab, InputStream merges, Map<Integer, AddedToken> addedTokens) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (Map.Entry<Integer, AddedToken> e : new TreeMap<>(addedTokens).entrySet()) {
            ObjectNode t = added.addObject();
            t.put("id", e.getKey());
            t.put("content", e.getValue().content());
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", e.getValue().special());
        }
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", PRETOKENIZE_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        byteLevel(pres.addObject(), false);
        byteLevel(root.putObject("post_processor"), false);
        byteLevel(root.putObject("decoder"), false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        JsonNode v = JSON.readTree(vocab);
        if (!v.isObject() || v.isEmpty()) {
            throw new IOException("vocab.json is not a token → id object");
        }
        model.set("vocab", v);
        ArrayNode m = model.putArray("merges");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(merges, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.startsWith("#version") || line.isEmpty()) {
                    continue;
                }
                int sp = line.indexOf(' ');
                if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
                    throw new IOException("merges.txt line " + n + " is not 'left right': " + line);
                }
                ArrayNode pair = m.addArray();
                pair.add(line.substring(0, sp));
                pair.add(line.substring(sp + 1));
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private static void byteLevel(ObjectNode n, boolean addPrefixSpace) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", false);
        n.put("use_regex", false);
    }

    /** The added tokens listed in a {@code tokenizer_config.json} ({@code added_tokens_decoder}: id → token). */
    static Map<Integer, AddedToken> addedTokens(JsonNode tokenizerConfig) {
        Map<Integer, AddedToken> out = new TreeMap<>();
        JsonNode dec = tokenizerConfig.path("added_tokens_decoder");
        dec.fields().forEachRemaining(e -> out.put(Integer.parseInt(e.getKey()),
                new AddedToken(e.getValue().path("content").asText(), e.getValue().path("special").asBoolean(true))));
        return out;
    }
}
