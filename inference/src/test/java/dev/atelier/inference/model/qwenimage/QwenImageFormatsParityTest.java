package dev.atelier.inference.model.qwenimage;

import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.ParityResult;
import org.junit.jupiter.api.Test;

class QwenImageFormatsParityTest {
    private static void run(QwenImageFormatsParity.Group g) throws Exception {
        for (ParityResult r : FixtureSupport.assertParity(new QwenImageFormatsParity(g))) {
            System.out.println(r.line());
        }
    }

    @Test
    void comfy() throws Exception {
        run(QwenImageFormatsParity.Group.COMFY);
    }

    @Test
    void gguf() throws Exception {
        run(QwenImageFormatsParity.Group.GGUF);
    }

    @Test
    void lora() throws Exception {
        run(QwenImageFormatsParity.Group.LORA);
    }

    /** fp8 weights kept 8-bit (the GPU path: per-layer table dequant), against the same comfy references. */
    @Test
    void fp8Kept() throws Exception {
        run(QwenImageFormatsParity.Group.FP8_KEPT);
    }
}
