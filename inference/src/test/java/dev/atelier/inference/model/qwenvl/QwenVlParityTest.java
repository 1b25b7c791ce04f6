package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityResult;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    void checksAreRegistered() {
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("processor")));
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("condition_image")));
        assertTrue(Parity.checks().stream().anyMatch(c -> c.name().equals("tokenizer.t2i")));
    }
}
