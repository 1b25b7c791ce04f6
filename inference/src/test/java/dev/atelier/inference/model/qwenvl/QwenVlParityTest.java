package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor-level parity checks on the fixture (exact ids/masks/grids, pixel values within one 8-bit level). */
class QwenVlParityTest {
    @Test
    void processorMatchesTransformers() throws Exception {
        List<ParityResult> r = FixtureSupport.assertParity(new QwenVlParityChecks.ProcessorCheck());
        r.forEach(x -> System.out.println(x.line()));
    }

    @Test
    void conditionImageMatchesPilLanczosByteForByte() throws Exception {
        FixtureSupport.assertParity(new QwenVlParityChecks.ConditionImageCheck());
    }

    @Test
    void t2iTokenisationMatchesDiffusers() throws Exception {
        FixtureSupport.assertParity(new QwenVlParityChecks.T2iTokenizerCheck());
    }

    @Test
    void processorFolderWithOnlyPreprocessorConfigGivesTheSameInputs(@TempDir Path tmp) throws Exception {
        Path src = FixtureSupport.fixture().editModel().orElseThrow().resolve("processor");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("processor_config.json")) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
        }
        RgbBytes img = RgbBytes.of(FixtureSupport.fixture().referenceImage("input_image.png"));
        RgbBytes cond = ConditionImages.conditionImage(img);
        try (QwenVlProcessor a = QwenVlProcessor.fromFolder(src); QwenVlProcessor b = QwenVlProcessor.fromFolder(tmp)) {
            assertEquals(a.imageProcessor().config().maxPixels(), b.imageProcessor().config().maxPixels());
            QwenVlProcessor.Output oa = a.encodePrompts(PromptTemplate.EDIT_PLUS, List.of("x"), List.of(cond));
            QwenVlProcessor.Output ob = b.encodePrompts(PromptTemplate.EDIT_PLUS, List.of("x"), List.of(cond));
            assertEquals(oa, ob);
        }
    }

    @Test
    void promptEmbedsExtractionMatchesDiffusers() throws Exception {
        FixtureSupport.assertParity(new QwenVlParityChecks.PromptEmbedsCheck()).forEach(x -> System.out.println(x.line()));
    }

    @Test
    void checksAreRegistered() {
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("processor")));
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("condition_image")));
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("tokenizer.t2i")));
    }
}
