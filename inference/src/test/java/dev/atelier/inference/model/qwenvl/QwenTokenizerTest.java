package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.inference.parity.FixtureSupport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled Qwen2.5-VL tokenizer and folder loading. */
class QwenTokenizerTest {
    static QwenTokenizer qwen;

    @BeforeAll
    static void load() {
        qwen = QwenTokenizer.bundled();
    }

    @AfterAll
    static void close() {
        qwen.close();
    }

    @Test
    void bundledSpecialTokensHaveQwenIds() {
        assertEquals(151643, qwen.tokenId(QwenTokenizer.ENDOFTEXT));
        assertEquals(151643, qwen.padId());
        assertEquals(151644, qwen.tokenId(QwenTokenizer.IM_START));
        assertEquals(151645, qwen.tokenId(QwenTokenizer.IM_END));
        assertEquals(151652, qwen.tokenId(QwenTokenizer.VISION_START));
        assertEquals(151653, qwen.tokenId(QwenTokenizer.VISION_END));
        assertEquals(151655, qwen.tokenId(QwenTokenizer.IMAGE_PAD));
        assertEquals(151664, qwen.tokenId("<|file_sep|>"));
        assertArrayEquals(new long[] {151644, 151655, 151655, 151645},
                qwen.encode("<|im_start|><|image_pad|><|image_pad|><|im_end|>"));
        // <tool_call> is an added but not special token in Qwen2.5's config: decode keeps it when skipping specials
        assertEquals("<tool_call>hi", qwen.decode(qwen.encode("<|im_start|><tool_call>hi<|im_end|>"), true));
    }

    @Test
    void bundledEnglishAndChinese() throws Exception {
        // Ids straight from the bundled vocab.json: "Hello" 9707, "Ġworld" 1879, "你好" 108386.
        var vocab = new ObjectMapper().readTree(resource("vocab.json"));
        assertEquals(9707, vocab.get("Hello").asInt());
        assertArrayEquals(new long[] {9707, 1879}, qwen.encode("Hello world"));
        assertArrayEquals(new long[] {108386}, qwen.encode("你好"));
        for (String p : List.of("Make the cat wear a red hat and change the sky to a sunset.",
                "一只小猫坐在窗台上，阳光洒在它的毛上。", "Café au lait — naïve façade 🙂🐱👍🏽 日本語とEnglish 한국어 العربية")) {
            long[] ids = qwen.encode(p);
            assertTrue(ids.length > 0);
            assertTrue(Arrays.stream(ids).allMatch(i -> i >= 0 && i < 151643), "plain text maps to BPE ids only");
            assertEquals(p, qwen.decode(ids, false), "round trip");
        }
    }

    @Test
    void templatesDropExactlyTheTemplateHeadWithTheRealVocabulary() {
        // diffusers drops 64 (edit) / 34 (t2i) tokens: with Qwen's vocabulary that is the system turn plus
        // "<|im_start|>user\n", so the kept part starts with the user's content.
        String edit = PromptTemplate.EDIT_PLUS.format("Make it blue.", 1);
        long[] ids = qwen.encode(edit);
        String dropped = qwen.decode(Arrays.copyOf(ids, 64), false);
        assertTrue(dropped.startsWith("<|im_start|>system\nDescribe the key features"), dropped);
        assertTrue(dropped.endsWith("<|im_end|>\n<|im_start|>user\n"), dropped);
        assertEquals("Picture 1: <|vision_start|><|image_pad|><|vision_end|>Make it blue.<|im_end|>\n<|im_start|>assistant\n",
                qwen.decode(Arrays.copyOfRange(ids, 64, ids.length), false));
        long[] inpaint = qwen.encode(PromptTemplate.EDIT_INPAINT.format("Make it blue.", 1));
        assertEquals("<|vision_start|><|image_pad|><|vision_end|>Make it blue.<|im_end|>\n<|im_start|>assistant\n",
                qwen.decode(Arrays.copyOfRange(inpaint, 64, inpaint.length), false));
        long[] t = qwen.encode(PromptTemplate.T2I.format("一只小猫"));
        assertTrue(qwen.decode(Arrays.copyOf(t, 34), false).endsWith("background:<|im_end|>\n<|im_start|>user\n"));
        assertEquals("一只小猫<|im_end|>\n<|im_start|>assistant\n", qwen.decode(Arrays.copyOfRange(t, 34, t.length), false));
    }

    @Test
    void emptyPromptKeepsTheTemplate() {
        TokenBatch b = qwen.encode(List.of(PromptTemplate.T2I.format("")), PromptTemplate.T2I.maxTokens().orElseThrow());
        assertEquals(qwen.encode(PromptTemplate.T2I.format("")).length, b.length());
        assertTrue(b.length() > PromptTemplate.T2I.dropIndex(), "something survives the drop");
    }

    @Test
    void longPromptTruncatesOnlyForTextToImage() {
        String prompt = "A red fox jumps over the lazy dog in a snowy forest. ".repeat(100).substring(0, 5000);
        int max = PromptTemplate.T2I.maxTokens().orElseThrow();
        assertEquals(1024 + 34, max);
        TokenBatch t2i = qwen.encode(List.of(PromptTemplate.T2I.format(prompt)), max);
        assertEquals(max, t2i.length());
        assertEquals(max, t2i.validLength(0));
        long[] full = qwen.encode(PromptTemplate.T2I.format(prompt));
        assertTrue(full.length > max, "the prompt is longer than the limit: " + full.length);
        assertArrayEquals(Arrays.copyOf(full, max), t2i.inputIds()[0], "truncation keeps the head");
        assertTrue(PromptTemplate.EDIT_PLUS.maxTokens().isEmpty());
        TokenBatch edit = qwen.encode(List.of(PromptTemplate.EDIT_PLUS.format(prompt, 1)));
        assertTrue(edit.length() > max, "no truncation in the edit pipelines (DJL must not cut at 512 either)");
    }

    @Test
    void batchIsRightPaddedWithEndOfText() {
        TokenBatch b = qwen.encode(List.of("a b c d e", "a"));
        assertEquals(2, b.batchSize());
        assertEquals(1, b.validLength(1));
        assertEquals(151643, b.inputIds()[1][b.length() - 1]);
        assertEquals(0, b.attentionMask()[1][b.length() - 1]);
        assertEquals(1, b.attentionMask()[1][0]);
        assertThrows(IllegalArgumentException.class, () -> qwen.tokenId("<|no_such|>"));
    }

    @Test
    void folderWithOnlyVocabAndMergesGivesTheSameIds(@TempDir Path tmp) throws Exception {
        Path src = FixtureSupport.fixture().t2iModel().orElseThrow().resolve("tokenizer");
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), tmp.resolve(f));
        }
        // The fixture's tokenizer_config.json may lack added_tokens_decoder; write added_tokens.json from tokenizer.json.
        var tj = new ObjectMapper().readTree(src.resolve("tokenizer.json").toFile());
        var added = new ObjectMapper().createObjectNode();
        tj.path("added_tokens").forEach(t -> added.put(t.path("content").asText(), t.path("id").asInt()));
        Files.writeString(tmp.resolve("added_tokens.json"), added.toString());
        List<String> texts = List.of(PromptTemplate.EDIT_PLUS.format("Make the cat wear a red hat 🎩.", 2),
                PromptTemplate.T2I.format("一只小猫坐在窗台上。"), "");
        try (QwenTokenizer a = QwenTokenizer.fromFolder(src); QwenTokenizer b = QwenTokenizer.fromFolder(tmp)) {
            assertEquals(a.encode(texts), b.encode(texts));
            assertEquals(a.tokenId(QwenTokenizer.IMAGE_PAD), b.tokenId(QwenTokenizer.IMAGE_PAD));
        }
    }

    @Test
    void folderWithoutTokenizerFilesSaysWhatToDo(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class, () -> QwenTokenizer.fromFolder(tmp));
        assertTrue(e.getMessage().contains("bundled"), e.getMessage());
    }

    private static InputStream resource(String name) {
        return QwenTokenizer.class.getResourceAsStream(QwenTokenizer.BUNDLED + name);
    }
}
