package dev.atelier.inference.cli;

import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.Preset;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code atelier generate}: text to image with Qwen-Image-2512. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Make an image from a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    GenerationOptions options;

    @Option(names = "--width", description = "pixels, multiple of 16 (default: the preset's size, 1024)")
    Integer width;

    @Option(names = "--height", description = "pixels, multiple of 16 (default: the preset's size, 1024)")
    Integer height;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        GenerateRequest request;
        try {
            CliImageFiles.checkOutput(options.out);
            Preset preset = options.resolvePreset(options.catalog(err), Preset.GENERATE);
            GenerationSettings settings = options.settings(preset, Preset.GENERATE);
            request = new GenerateRequest(options.model, options.prompt, options.negative,
                    width != null ? width : preset.size().width(), height != null ? height : preset.size().height(),
                    settings);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return CliEngine.BAD_INPUT;
        }
        err.println("seed: " + request.settings().seed());
        return CliEngine.run(request, options.out, spec.commandLine().getOut(), err);
    }
}
