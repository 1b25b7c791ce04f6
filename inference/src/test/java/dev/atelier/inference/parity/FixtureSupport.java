package dev.atelier.inference.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where the tests find their fixture folder: {@code -Datelier.fixtures=<dir>} runs every parity test on another
 * fixture set of the same layout; by default the copy of qwen-tiny in the test resources.
 */
public final class FixtureSupport {
    private FixtureSupport() {}

    public static Path dir() {
        String p = System.getProperty("atelier.fixtures");
        return p != null ? Path.of(p) : Path.of("src/test/resources/fixtures/qwen-tiny").toAbsolutePath();
    }

    public static Fixture fixture() {
        return new Fixture(dir());
    }

    /** Runs a parity check on the fixture and fails with every result line if one is off. */
    public static List<ParityResult> assertParity(ParityCheck check) throws Exception {
        Fixture f = fixture();
        assertTrue(check.applies(f), check.name() + " does not apply to " + f.dir());
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<ParityResult> results = check.run(f, m);
            assertTrue(!results.isEmpty(), check.name() + " compared nothing");
            String lines = results.stream().map(ParityResult::line).collect(Collectors.joining("\n"));
            assertTrue(results.stream().allMatch(ParityResult::ok), lines);
            return results;
        }
    }
}
