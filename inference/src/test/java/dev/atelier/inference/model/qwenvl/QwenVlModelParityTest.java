package dev.atelier.inference.model.qwenvl;

import dev.atelier.inference.parity.FixtureSupport;
import org.junit.jupiter.api.Test;

/** fp32 CPU parity of the Qwen2.5-VL text encoder with the fixture's transformers/diffusers references. */
class QwenVlModelParityTest {
    @Test
    void visionTowerMatchesImageEmbeds() throws Exception {
        FixtureSupport.assertParity(new QwenVlModelParityChecks.Vision());
    }

    @Test
    void editPromptMatchesPositionIdsHiddenStatesAndPromptEmbeds() throws Exception {
        FixtureSupport.assertParity(new QwenVlModelParityChecks.Edit());
    }

    @Test
    void textToImagePromptsMatchWithAndWithoutPadding() throws Exception {
        FixtureSupport.assertParity(new QwenVlModelParityChecks.TextToImage());
    }
}
