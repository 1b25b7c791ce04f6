package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VisionLayoutTest {
    private static final QwenVlConfig.Vision V = QwenVlConfig.qwen25Vl7b().vision(); // window 112 -> 4x4 merged tokens

    @Test
    void windowsOfAGridThatDividesEvenly() {
        // 16x16 patches = 8x8 merged tokens = 2x2 windows of 4x4 merged tokens (64 patches each)
        VisionLayout l = VisionLayout.of(new long[][] {{1, 16, 16}}, V);
        assertArrayEquals(new int[] {0, 64, 128, 192, 256}, l.cuWindowSeqlens);
        assertArrayEquals(new int[] {0, 256}, l.cuSeqlens);
        // first window = merged rows 0..3, cols 0..3: merged token (1, 0) is the 5th of the window
        assertEquals(8, l.patchOrder[4 * 4] / 4);
        // the reverse index undoes the permutation
        for (int i = 0; i < l.reverseIndex.length; i++) {
            assertEquals(i, l.patchOrder[l.reverseIndex[i] * 4] / 4);
        }
    }

    @Test
    void partialWindowsAndSeveralImages() {
        // 10x6 merged tokens (20x12 patches): windows 4+4+2 rows x 4+2 cols; then a second image of 2x2 merged
        VisionLayout l = VisionLayout.of(new long[][] {{1, 20, 12}, {1, 4, 4}}, V);
        int[] sizes = new int[l.cuWindowSeqlens.length - 1];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (l.cuWindowSeqlens[i + 1] - l.cuWindowSeqlens[i]) / 4;
        }
        assertArrayEquals(new int[] {16, 8, 16, 8, 8, 4, 4}, sizes);
        assertArrayEquals(new int[] {0, 240, 256}, l.cuSeqlens);
        int[] sorted = l.patchOrder.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        // rotary positions follow the patches: patch 0 of the second image is at (0, 0)
        int p = l.reverseIndex[60] * 4;
        assertEquals(0, l.hPos[p]);
        assertEquals(0, l.wPos[p]);
    }

    @Test
    void gridNotAMultipleOfTheMergeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> VisionLayout.of(new long[][] {{1, 3, 4}}, V));
    }
}
