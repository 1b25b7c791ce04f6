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

    /** Copies the folder {@code from} (e.g. a fixture model) to {@code to}, for tests that damage or remove parts. */
    public static Path copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (java.nio.file.Files.isDirectory(p)) {
                    java.nio.file.Files.createDirectories(t);
                } else {
                    java.nio.file.Files.copy(p, t);
                }
            }
        }
        return to;
    }
}
