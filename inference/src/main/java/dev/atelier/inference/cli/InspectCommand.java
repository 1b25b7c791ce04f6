package dev.atelier.inference.cli;

import dev.atelier.inference.io.ModelDetector;
import dev.atelier.inference.io.TensorInfo;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code atelier inspect}: what a weight file or model folder holds, without loading it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show the detected component, architecture and format of a weight file (.safetensors, .gguf) or "
                + "model folder, and list every tensor (name, dtype, shape, bytes) as stored.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE_OR_FOLDER", description = "a .safetensors or .gguf file, a shard index, a component folder "
            + "or a diffusers pipeline folder (one table per component)")
    Path path;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(path)) {
            spec.commandLine().getErr().println("error: " + path + " does not exist");
            return 2;
        }
        long total = 0;
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("model_index.json"))) {
            List<Path> components;
            try (Stream<Path> s = Files.list(path)) {
                components = s.filter(Files::isDirectory).filter(InspectCommand::hasWeights).sorted().toList();
            }
            for (Path c : components) {
                out.println("== " + c.getFileName());
                total += table(c, out);
                out.println();
            }
        } else {
            total = table(path, out);
        }
        out.printf(Locale.ROOT, "total parameters: %,d%n", total);
        out.flush();
        return 0;
    }

    private static boolean hasWeights(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors")
                    || p.getFileName().toString().endsWith(".safetensors.index.json"));
        } catch (IOException e) {
            return false;
        }
    }

    private static long table(Path p, PrintWriter out) {
        ModelDetector.Detection d = ModelDetector.detect(p);
        out.println("detected: " + d.summary());
        for (String n : d.notes()) {
            out.println("  " + n);
        }
        try (WeightStore store = WeightStores.openRaw(p)) {
            int w = store.tensors().keySet().stream().mapToInt(String::length).max().orElse(4);
            w = Math.max(w, 4);
            out.printf(Locale.ROOT, "%-" + w + "s  %-8s  %-22s  %12s%n", "name", "dtype", "shape", "bytes");
            for (TensorInfo t : store.tensors().values()) {
                out.printf(Locale.ROOT, "%-" + w + "s  %-8s  %-22s  %12d%n", t.name(), t.dtype(), t.shapeString(), t.byteSize());
            }
            out.printf(Locale.ROOT, "%d tensors, %,d parameters, %,d bytes%n", store.tensors().size(),
                    store.parameterCount(), store.byteSize());
            return store.parameterCount();
        }
    }
}
