package dev.atelier.inference.model.vae;

import dev.atelier.inference.parity.FixtureSupport;
import org.junit.jupiter.api.Test;

/** The VAE against {@code reference/vae.safetensors} (fp32, CPU, {@code Tolerance.FORWARD}). */
class VaeParityTest {
    @Test
    void matchesDiffusers() throws Exception {
        FixtureSupport.assertParity(new VaeParityCheck()).forEach(r -> System.out.println(r.line()));
    }

    @Test
    void matchesThePipelinesUseOfTheVae() throws Exception {
        FixtureSupport.assertParity(new VaePipelineParityCheck()).forEach(r -> System.out.println(r.line()));
    }
}
