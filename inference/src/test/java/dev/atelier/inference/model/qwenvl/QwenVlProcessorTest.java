package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.image.RgbBytes;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Placeholder expansion, templates with 1-3 images, and bad inputs through the whole front end. */
class QwenVlProcessorTest {
    static QwenVlProcessor proc;

    @BeforeAll
    static void open() {
        proc = new QwenVlProcessor(QwenTokenizer.bundled(), new QwenVlImageProcessor(ImageProcessorConfig.defaults()));
    }

    @AfterAll
    static void close() {
        proc.close();
    }

    @Test
    void editPlusExpandsEachPictureToItsGrid() {
        RgbBytes a = QwenVlImageProcessorTest.random(384, 384, 1); // -> 392x392: 28x28 patches, 196 tokens
        RgbBytes b = QwenVlImageProcessorTest.random(448, 320, 2); // -> 448x308? smart_resize decides
        RgbBytes c = QwenVlImageProcessorTest.random(200, 120, 3);
        QwenVlProcessor.Output o = proc.encodePrompts(PromptTemplate.EDIT_PLUS, List.of("Swap 🐱 and 狗."), List.of(a, b, c));
        long pad = proc.tokenizer().tokenId(QwenTokenizer.IMAGE_PAD);
        long[] ids = o.inputIds()[0];
        long expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += o.pixels().imageTokens(i, 2);
        }
        assertEquals(expected, Arrays.stream(ids).filter(x -> x == pad).count());
        assertEquals(196, o.pixels().imageTokens(0, 2));
        assertArrayEquals(new long[] {1, 28, 28}, o.pixels().gridThw()[0]);
        long rows = Arrays.stream(o.pixels().gridThw()).mapToLong(g -> g[0] * g[1] * g[2]).sum();
        assertArrayEquals(new long[] {rows, 1176}, o.pixels().shape());
        // runs of image pads are delimited by vision start/end, one run per picture, in order
        long vs = proc.tokenizer().tokenId(QwenTokenizer.VISION_START);
        assertEquals(3, Arrays.stream(ids).filter(x -> x == vs).count());
        String text = proc.tokenizer().decode(Arrays.copyOfRange(ids, PromptTemplate.EDIT_PLUS.dropIndex(), ids.length), false);
        assertTrue(text.startsWith("Picture 1: <|vision_start|><|image_pad|>"), text);
        assertTrue(text.contains("<|vision_end|>Picture 2: <|vision_start|>"), text);
        assertTrue(text.contains("<|vision_end|>Picture 3: <|vision_start|>"), text);
        assertTrue(text.endsWith("<|vision_end|>Swap 🐱 and 狗.<|im_end|>\n<|im_start|>assistant\n"), text);
        try (var m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
            var list = o.toNDList(m);
            assertEquals(4, list.size());
            assertEquals(new ai.djl.ndarray.types.Shape(1, ids.length), list.get("input_ids").getShape());
            assertEquals(new ai.djl.ndarray.types.Shape(rows, 1176), list.get("pixel_values").getShape());
            assertArrayEquals(o.pixels().flatGrid(), list.get("image_grid_thw").toLongArray());
        }
    }

    @Test
    void templatesCheckTheirImageCount() {
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.EDIT_INPAINT.format("x", 2));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.T2I.format("x", 1));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.T2I.format(null));
        assertEquals(PromptTemplate.EDIT_PLUS.format("x", 0).indexOf("Picture"), -1);
        assertEquals(34, PromptTemplate.T2I.dropIndex());
        assertEquals(64, PromptTemplate.EDIT_PLUS.dropIndex());
        assertEquals(64, PromptTemplate.EDIT_INPAINT.dropIndex());
        RgbBytes img = QwenVlImageProcessorTest.solid(64, 64, 3);
        assertThrows(IllegalArgumentException.class,
                () -> proc.encodePrompts(PromptTemplate.T2I, List.of("x"), List.of(img)));
    }

    @Test
    void placeholderAndImageCountsMustAgree() {
        RgbBytes img = QwenVlImageProcessorTest.solid(64, 64, 3);
        var e = assertThrows(IllegalArgumentException.class,
                () -> proc.applyRgb(List.of("<|image_pad|><|image_pad|>"), List.of(img)));
        assertTrue(e.getMessage().contains("placeholders"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> proc.applyRgb(List.of("no image here"), List.of(img)));
        QwenVlProcessor.Output textOnly = proc.applyRgb(List.of("hello"), List.of());
        assertFalse(textOnly.hasImages());
    }

    @Test
    void emptyAndHugePromptsWithAnImage() {
        RgbBytes img = QwenVlImageProcessorTest.solid(64, 64, 200);
        QwenVlProcessor.Output empty = proc.encodePrompts(PromptTemplate.EDIT_PLUS, List.of(""), List.of(img));
        assertTrue(empty.tokens().length() > PromptTemplate.EDIT_PLUS.dropIndex());
        String huge = "雪山 snow mountain 🏔️ ".repeat(400).substring(0, 5000);
        QwenVlProcessor.Output big = proc.encodePrompts(PromptTemplate.EDIT_PLUS, List.of(huge), List.of(img));
        assertTrue(big.tokens().length() > 1024 + 64, "edit pipelines do not truncate: " + big.tokens().length());
        QwenVlProcessor.Output t2i = proc.encodePrompts(PromptTemplate.T2I, List.of(huge, "short"), List.of());
        assertEquals(1024 + 34, t2i.tokens().length());
        assertEquals(1024 + 34, t2i.tokens().validLength(0));
        assertTrue(t2i.tokens().validLength(1) < 60);
    }
}
