package dev.atelier.inference.cli;

import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.LoraSpec;
import dev.atelier.inference.api.Preset;
import dev.atelier.inference.api.PresetCatalog;
import dev.atelier.inference.api.PresetLoader;
import dev.atelier.inference.api.WeightVariant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Options shared by {@code edit} and {@code generate}: model, prompts, preset and its overrides, output. */
final class GenerationOptions {
    static final String DEFAULT_PRESET = "draft";

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "diffusers model folder, ComfyUI models/ folder (diffusion_models/, text_encoders/, vae/), or a transformer file in its diffusion_models/")
    Path model;

    @Option(names = "--prompt", required = true, description = "what to make or change")
    String prompt;

    @Option(names = "--negative", description = "what to avoid (used when CFG > 1)")
    String negative;

    @Option(names = "--preset", paramLabel = "NAME", description = "quick-preview, draft (default), final, turbo or a user preset")
    String preset;

    @Option(names = "--presets-dir", paramLabel = "DIR", description = "folder of user presets (*.json)")
    Path presetsDir;

    @Option(names = "--steps", description = "denoising steps (overrides the preset)")
    Integer steps;

    @Option(names = "--cfg", description = "true-CFG scale, 1 = off (overrides the preset)")
    Double cfg;

    @Option(names = "--shift", description = "fixed schedule shift, e.g. 3 for Lightning (overrides the preset)")
    Double shift;

    @Option(names = "--seed", description = "noise seed (default: random, printed)")
    Long seed;

    @Option(names = "--weights", paramLabel = "auto|bf16|fp8", description = "transformer weight precision (overrides the preset); in a ComfyUI models/ folder picks the bf16 or fp8 file of diffusion_models/")
    String weights;

    @Option(names = "--lora", paramLabel = "FILE[=STRENGTH]", description = "add a LoRA (repeatable), strength 1 by default")
    List<String> loras = new ArrayList<>();

    @Option(names = "--device", paramLabel = "auto|gpu|cpu", description = "where to compute (default: auto = the GPU when one is set up; env ATELIER_DEVICE)")
    String device;

    @Option(names = "--budget", paramLabel = "SIZE", description = "VRAM budget, e.g. 12GiB (default: free GPU memory minus a margin; env ATELIER_BUDGET)")
    String budget;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output .png or .webp (written atomically)")
    Path out;

    PresetCatalog catalog(java.io.PrintWriter err) {
        if (presetsDir != null && !Files.isDirectory(presetsDir)) {
            throw new IllegalArgumentException("--presets-dir " + presetsDir + ": " + (Files.exists(presetsDir)
                    ? "is a file, not a folder" : "no such folder") + "; give the folder that holds your preset .json files");
        }
        PresetCatalog c = PresetLoader.load(presetsDir);
        c.problems().forEach(p -> err.println("preset warning: " + p));
        return c;
    }

    Preset resolvePreset(PresetCatalog catalog, String kind) {
        String name = preset == null ? DEFAULT_PRESET : preset;
        if (catalog.find(name).isEmpty()) {
            // a user preset of that name that could not be read: say why rather than "no preset named"
            catalog.problems().stream().filter(x -> x.field().isEmpty() && Path.of(x.file()).getFileName().toString()
                    .equalsIgnoreCase(name + ".json")).findFirst().ifPresent(x -> {
                        throw new IllegalArgumentException("preset: '" + name + "' could not be read: " + x);
                    });
        }
        Preset p = catalog.require(name);
        if (!p.supports(kind)) {
            throw new IllegalArgumentException("preset: '" + p.name() + "' is for " + String.join(" and ", p.kinds())
                    + " jobs, not " + kind);
        }
        return p;
    }

    /** The preset's settings with every option given on the command line applied (validated by the records). */
    GenerationSettings settings(Preset p, String kind) {
        applyEngineOptions();
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + ": does not exist");
        }
        GenerationSettings s = p.settings(kind, seed != null ? seed : new SecureRandom().nextLong());
        if (steps != null) {
            s = s.withSteps(steps);
        }
        if (cfg != null) {
            s = s.withCfg(cfg);
        }
        if (shift != null) {
            s = s.withShift(shift);
        }
        if (weights != null) {
            try {
                s = s.withWeights(WeightVariant.valueOf(weights.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--weights: '" + weights + "' is not auto, bf16 or fp8");
            }
        }
        if (!loras.isEmpty()) {
            List<LoraSpec> all = new ArrayList<>(s.loras());
            for (String l : loras) {
                all.add(parseLora(l));
            }
            s = s.withLoras(all);
        }
        return s;
    }

    /** --device / --budget become the engine's settings (read by {@code EngineSettings.fromEnvironment()}). */
    void applyEngineOptions() {
        if (device != null) {
            dev.atelier.inference.engine.ComputeTarget.Choice.parse(device);
            System.setProperty("atelier.device", device);
        }
        if (budget != null) {
            long b;
            try {
                b = dev.atelier.inference.runtime.Bytes.parse(budget);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--budget: " + e.getMessage());
            }
            if (b <= 0) {
                throw new IllegalArgumentException("--budget: " + budget + " must be positive");
            }
            System.setProperty("atelier.budget", budget);
        }
    }

    static LoraSpec parseLora(String arg) {
        int eq = arg.lastIndexOf('=');
        String file = eq < 0 ? arg : arg.substring(0, eq);
        double strength = 1.0;
        if (eq >= 0) {
            try {
                strength = Double.parseDouble(arg.substring(eq + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora " + arg + ": strength '" + arg.substring(eq + 1) + "' is not a number");
            }
        }
        if (!Files.isRegularFile(Path.of(file))) {
            throw new IllegalArgumentException("--lora " + file + ": no such file");
        }
        return new LoraSpec(file, strength);
    }
}
