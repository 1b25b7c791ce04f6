package dev.atelier.inference.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code atelier bench}: performance measurements of one component at real size (benchmarks, not tests). Each
 * component adds its subcommand here ({@code transformer}; {@code vae}, {@code text-encoder}, {@code preset} to come).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark a component (median forward time, achieved TFLOP/s, peak memory).",
        subcommands = {BenchTransformerCommand.class, BenchVaeCommand.class, BenchTextEncoderCommand.class,
            BenchPresetCommand.class, BenchKernelsCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
