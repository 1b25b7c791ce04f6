package dev.atelier.inference.model.qwenimage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.ParityResult;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QwenImageTransformerParityTest {
    @ParameterizedTest
    @CsvSource({"edit, EAGER", "edit, FUSED", "t2i, EAGER", "t2i, FUSED"})
    void matchesDiffusers(String kind, QwenImageTransformer.Impl impl) throws Exception {
        List<ParityResult> r = FixtureSupport.assertParity(new QwenImageTransformerParity(kind, impl));
        r.forEach(x -> System.out.println(x.line()));
        // every case of the reference and the intermediates of b1 were compared, with the requested implementation
        assertTrue(r.size() >= 3 + 10, "too few comparisons: " + r.size());
        assertTrue(r.stream().noneMatch(x -> x.check().contains("fallback")), "fused ops did not load: " + r.get(0));
    }
}
