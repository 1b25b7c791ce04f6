package dev.atelier.inference.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code atelier}: the headless command line over the engine. */
@Command(name = "atelier", mixinStandardHelpOptions = true, version = "atelier 0.1.0",
        description = "Qwen-Image editing and generation on your own GPU, from the command line.",
        subcommands = {EditCommand.class, GenerateCommand.class, InspectCommand.class, ParityCommand.class,
                PlanCommand.class, DoctorCommand.class, BenchCommand.class, CompareImagesCommand.class})
public final class AtelierCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return new CommandLine(new AtelierCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    return 2;
                })
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
