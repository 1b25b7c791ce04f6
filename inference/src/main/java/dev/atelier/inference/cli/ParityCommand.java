package dev.atelier.inference.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code atelier parity}: compares every implemented component with the fixture folder's diffusers references. */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Run every parity check whose component exists against a fixture folder (fp32, CPU).")
final class ParityCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FIXTURE_DIR", description = "a folder laid out like shared/fixtures/qwen-tiny")
    Path dir;

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            System.err.println("error: " + dir + " is not a folder");
            return 2;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int failed = Parity.runAll(new Fixture(dir), Parity.checks(), m, out);
            return failed == 0 ? 0 : 1;
        }
    }
}
