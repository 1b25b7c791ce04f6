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

    @picocli.CommandLine.Option(names = "--device", paramLabel = "cpu|gpu", description = "cpu (default: float32, the "
            + "definition of correct) or gpu (the engine's GPU precision, bf16 with the patched JNI: shows how far it is "
            + "from the fp32 references; the fp32 tolerances are expected to fail)")
    String device = "cpu";

    @picocli.CommandLine.Option(names = "--only", paramLabel = "PREFIX", description = "run only checks whose name starts "
            + "with PREFIX (e.g. pipeline.)")
    String only;

    @picocli.CommandLine.Option(names = "--dtype", paramLabel = "auto|float32|float16", description = "with --device gpu: "
            + "auto (bf16 when the JNI is safe) or float32 (checks the GPU path itself against the fp32 tolerances)")
    String dtype = "auto";

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            System.err.println("error: " + dir + " is not a folder");
            return 2;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Device d = Device.cpu();
        System.setProperty(dev.atelier.inference.pipeline.ModelBundle.GPU_DTYPE_PROPERTY, dtype);
        if (!"cpu".equalsIgnoreCase(device)) {
            var t = dev.atelier.inference.engine.QwenImageRunners.computeTarget(
                    dev.atelier.inference.engine.ComputeTarget.Choice.parse(device));
            out.println("device: " + t.describe() + (t.notes().isEmpty() ? "" : " " + t.notes()));
            d = t.device();
        }
        var checks = Parity.checks().stream().filter(c -> only == null || c.name().startsWith(only)).toList();
        try (NDManager m = NDManager.newBaseManager(d)) {
            int failed = Parity.runAll(new Fixture(dir), checks, m, out);
            return failed == 0 ? 0 : 1;
        }
    }
}
