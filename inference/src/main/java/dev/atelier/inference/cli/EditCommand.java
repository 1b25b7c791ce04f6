package dev.atelier.inference.cli;

import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.Preset;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.SizePolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code atelier edit}: edit a photo with Qwen-Image-Edit-2511 (with a mask: only the masked area). */
@Command(name = "edit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Edit a photo by a prompt; with --mask only the painted area changes.")
final class EditCommand implements Callable<Integer> {
    @Mixin
    GenerationOptions options;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "the photo to edit (PNG, JPEG, WebP)")
    Path image;

    @Option(names = "--mask", paramLabel = "FILE", description = "gray mask, white = repaint")
    Path mask;

    @Option(names = "--ref", paramLabel = "FILE", description = "reference image (repeatable, up to " + EditRequest.MAX_REFERENCES + ")")
    List<Path> refs = new ArrayList<>();

    @Option(names = "--strength", description = "how far the masked area may move, (0, 1] (default: the preset's)")
    Double strength;

    @Option(names = "--size", paramLabel = "source|area|WxH", description = "output size: the photo's (default), "
            + "about 1024x1024 pixels at its aspect, or exactly W x H")
    String size;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        EditRequest request;
        try {
            CliImageFiles.checkOutput(options.out);
            Preset preset = options.resolvePreset(options.catalog(err), Preset.EDIT);
            GenerationSettings settings = options.settings(preset, Preset.EDIT);
            RgbImage source = CliImageFiles.read("--image", image);
            MaskImage m = mask == null ? null : CliImageFiles.readMask("--mask", mask);
            List<RgbImage> references = new ArrayList<>();
            for (Path r : refs) {
                references.add(CliImageFiles.read("--ref", r));
            }
            request = new EditRequest(options.model, source, m, references, options.prompt, options.negative,
                    strength != null ? strength : preset.strength(), size == null ? preset.size() : parseSize(size),
                    settings);
            if (m != null && (m.width() != source.width() || m.height() != source.height())) {
                err.println("note: the mask is " + m.width() + "x" + m.height() + ", the photo " + source.width() + "x"
                        + source.height() + "; the mask will be resized to the photo");
            }
            if (m != null && m.isFull()) {
                err.println("note: the mask covers the whole photo; every pixel may change");
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return CliEngine.BAD_INPUT;
        }
        err.println("seed: " + request.settings().seed());
        return CliEngine.run(request, options.out, spec.commandLine().getOut(), err);
    }

    static SizePolicy parseSize(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("source")) {
            return SizePolicy.matchSource();
        }
        if (v.equals("area")) {
            return SizePolicy.modelArea();
        }
        String[] wh = v.split("x");
        try {
            if (wh.length == 2) {
                return SizePolicy.exact(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new IllegalArgumentException("--size: '" + s + "' is not source, area or WIDTHxHEIGHT (e.g. 1024x768)");
    }
}
