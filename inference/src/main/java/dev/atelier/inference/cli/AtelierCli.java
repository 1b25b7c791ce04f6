package dev.atelier.inference.cli;

import java.io.PrintWriter;
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
        return commandLine().execute(args);
    }

    /**
     * The command line as {@link #run} executes it: an error in the arguments (a bad value, an unknown or missing
     * option) prints the error and a pointer to {@code --help} rather than the whole usage, and exits 2.
     */
    static CommandLine commandLine() {
        return new CommandLine(new AtelierCli())
                .setParameterExceptionHandler(AtelierCli::badArguments)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    return CliEngine.BAD_INPUT;
                });
    }

    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        String suggestion = "";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            suggestion = "Did you mean " + String.join(" or ", u.getSuggestions()) + "? ";
        }
        err.println(suggestion + "Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the "
                + (cmd.getSubcommands().isEmpty() ? "options." : "commands."));
        err.flush();
        return CliEngine.BAD_INPUT;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
