package dev.atelier.inference.pipeline;

import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.ParityCheck;
import org.junit.jupiter.api.Test;

class PipelineParityTest {
    private static ParityCheck check(String name) {
        return PipelineParityChecks.all().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void editMatchesDiffusers() throws Exception {
        FixtureSupport.assertParity(check("pipeline.edit")).forEach(r -> System.out.println(r.line()));
    }

    @Test
    void textToImageMatchesDiffusers() throws Exception {
        FixtureSupport.assertParity(check("pipeline.t2i")).forEach(r -> System.out.println(r.line()));
    }

    @Test
    void textToImageInpaintMatchesDiffusers() throws Exception {
        FixtureSupport.assertParity(new InpaintParity("inpaint_t2i")).forEach(r -> System.out.println(r.line()));
    }

    @Test
    void editInpaintMatchesDiffusers() throws Exception {
        // The full 9-step 1024² run (~45 s on 2 cores) runs in `atelier parity`; here the first 2 steps.
        FixtureSupport.assertParity(new InpaintParity("inpaint", 2)).forEach(r -> System.out.println(r.line()));
    }
}
