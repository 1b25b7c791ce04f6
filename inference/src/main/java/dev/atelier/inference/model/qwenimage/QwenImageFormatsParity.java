package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.io.KeyMapper;
import dev.atelier.inference.io.MappedStore;
import dev.atelier.inference.io.ModelDetector;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.lora.LoraAdapter;
import dev.atelier.inference.lora.LoraLoader;
import dev.atelier.inference.nn.Fp8Weights;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The transformer run from the weight formats users have, against the fixture's references
 * ({@link Tolerance#FORWARD}, fp32 on the CPU, every format dequantised to float32 at load):
 * <ul>
 *   <li>{@code comfy}: every ComfyUI transformer file in {@code comfy/} (bf16, fp8_scaled, fp8mixed), detected by
 *       {@link ModelDetector}, vs {@code reference/comfy.safetensors} {@code <kind>.<fmt>.<case>.output};</li>
 *   <li>{@code gguf}: every transformer GGUF in {@code gguf/} vs {@code reference/gguf.safetensors}
 *       {@code forward.<case>.output};</li>
 *   <li>{@code lora}: each LoRA file of {@code reference/lora} {@code formats} on the edit transformer, merged
 *       ({@code W + s ΔW}) at every scale of {@code reference/lora.safetensors}, and the first one also attached
 *       at run time ({@code x W^T + s (x down^T) up^T}).</li>
 * </ul>
 * Inputs are the cases of {@code reference/transformer_<kind>.safetensors}; the config is the fixture model
 * folder's {@code transformer/config.json}; the kind (edit or t2i) of a comfy file comes from
 * {@link ModelDetector} (its {@code __index_timestep_zero__} marker).
 */
public final class QwenImageFormatsParity implements ParityCheck {
    /** Which group of files this instance checks. */
    public enum Group {
        COMFY, GGUF, LORA,
        /**
         * The comfy fp8 files with their Linear weights kept 8-bit ({@link Fp8Weights}: the GPU path, run here on the
         * CPU in float32 with the table dequant per layer), plus a runtime LoRA on that fp8 base.
         */
        FP8_KEPT
    }

    private final Group group;

    public QwenImageFormatsParity(Group group) {
        this.group = group;
    }

    @Override
    public String name() {
        return "formats." + group.name().toLowerCase(Locale.ROOT);
    }

    private static String ref(Group g) {
        return g == Group.FP8_KEPT ? "comfy" : g.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean applies(Fixture f) {
        return f.hasReference(ref(group)) && f.hasReference("transformer_edit") && f.editModel().isPresent()
                && Files.isDirectory(f.dir().resolve(group == Group.LORA ? "lora" : ref(group)));
    }

    @Override
    public List<ParityResult> run(Fixture f, NDManager manager) throws IOException {
        return switch (group) {
            case COMFY -> comfy(f, manager, false);
            case FP8_KEPT -> comfy(f, manager, true);
            case GGUF -> gguf(f, manager);
            case LORA -> lora(f, manager);
        };
    }

    private static Path modelDir(Fixture f, String kind) {
        return (kind.equals("edit") ? f.editModel() : f.t2iModel()).orElseThrow().resolve("transformer");
    }

    private static List<Path> files(Path dir, String ext) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(ext)).sorted().toList();
        }
    }

    private List<ParityResult> comfy(Fixture f, NDManager manager, boolean keepFp8) throws IOException {
        List<ParityResult> out = new ArrayList<>();
        try (SafetensorsFile ref = f.openReference("comfy")) {
            for (Path file : files(f.dir().resolve("comfy"), ".safetensors")) {
                ModelDetector.Detection d = ModelDetector.detect(file);
                if (d.component() != ModelDetector.Component.TRANSFORMER) {
                    continue;
                }
                if (keepFp8 && d.format() != ModelDetector.Format.FP8_SCALED && d.format() != ModelDetector.Format.FP8_MIXED) {
                    continue;
                }
                String kind = d.architecture().contains("edit") ? "edit" : "t2i";
                String fmt = switch (d.format()) {
                    case FP8_SCALED -> "fp8_scaled";
                    case FP8_MIXED -> "fp8mixed";
                    default -> d.format().name().toLowerCase(Locale.ROOT);
                };
                out.addAll(loadAndRun(f, kind, file, ref, kind + "." + fmt + ".", name() + "." + file.getFileName(),
                        manager, keepFp8));
            }
        }
        return out;
    }

    private List<ParityResult> gguf(Fixture f, NDManager manager) throws IOException {
        List<ParityResult> out = new ArrayList<>();
        try (SafetensorsFile ref = f.openReference("gguf")) {
            for (Path file : files(f.dir().resolve("gguf"), ".gguf")) {
                if (ModelDetector.detect(file).component() == ModelDetector.Component.TRANSFORMER) {
                    out.addAll(loadAndRun(f, "edit", file, ref, "forward.", name() + "." + file.getFileName(),
                            manager, false));
                }
            }
        }
        return out;
    }

    /** Opens {@code file} under diffusers names (fp8/GGUF dequantised at load), loads the model, runs the cases. */
    private static List<ParityResult> loadAndRun(Fixture f, String kind, Path file, SafetensorsFile ref,
                                                 String refPrefix, String label, NDManager manager,
                                                 boolean keepFp8) {
        QwenImageConfig config = QwenImageConfig.read(modelDir(f, kind).resolve("config.json"));
        try (MappedStore store = KeyMapper.view(WeightStores.open(file), KeyMapper.Component.TRANSFORMER);
             NDManager weights = manager.newSubManager();
             Fp8Weights fp8 = new Fp8Weights(weights, DataType.FLOAT32, null);
             QwenImageTransformer model = QwenImageTransformer.load(config,
                     new Weights(store, weights, DataType.FLOAT32).withLinearFactory(keepFp8 ? fp8 : null),
                     QwenImageTransformer.Impl.EAGER)) {
            if (keepFp8 && fp8.count() == 0) {
                throw new IllegalStateException(file + ": no Linear was kept fp8");
            }
            return runCases(f, kind, model, ref, refPrefix, label + (keepFp8 ? ".kept" + fp8.count() : ""), manager);
        }
    }

    /**
     * One base model (the edit transformer), loaded once; each LoRA file is merged at every reference scale, run,
     * and unmerged again, and the first file is also attached at run time at every scale: the swaps go through the
     * loaded model, never a reload, so later results also check that removal restored the base.
     */
    private List<ParityResult> lora(Fixture f, NDManager manager) {
        List<ParityResult> out = new ArrayList<>();
        JsonNode info = f.referenceInfo("lora");
        QwenImageConfig config = QwenImageConfig.read(modelDir(f, "edit").resolve("config.json"));
        try (SafetensorsFile ref = f.openReference("lora");
             MappedStore base = KeyMapper.view(WeightStores.open(modelDir(f, "edit")), KeyMapper.Component.TRANSFORMER);
             NDManager weights = manager.newSubManager()) {
            Weights w = new Weights(base, weights, DataType.FLOAT32);
            try (QwenImageTransformer model = QwenImageTransformer.load(config, w, QwenImageTransformer.Impl.EAGER)) {
                TreeSet<String> scales = new TreeSet<>();
                for (String k : ref.tensors().keySet()) {
                    if (k.startsWith("scale") && k.endsWith(".output")) {
                        String rest = k.substring(0, k.length() - ".output".length());
                        scales.add(rest.substring(0, rest.lastIndexOf('.')));
                    }
                }
                Map<String, long[]> modules = LoraLoader.linearModules(base);
                boolean first = true;
                for (JsonNode fileNode : info.path("formats")) {
                    Path file = f.dir().resolve("lora").resolve(fileNode.asText());
                    try (LoraAdapter lora = LoraLoader.load(file, modules, weights)) {
                        for (String scale : scales) {
                            float s = Float.parseFloat(scale.substring("scale".length()));
                            for (boolean merge : first ? new boolean[] {true, false} : new boolean[] {true}) {
                                LoraAdapter.Applied applied = merge ? lora.merge(w.modules(), s)
                                        : lora.attach(w.modules(), s, weights);
                                out.addAll(runCases(f, "edit", model, ref, scale + ".", name() + "."
                                        + fileNode.asText() + (merge ? ".merged." : ".runtime.") + scale, manager));
                                applied.remove();
                            }
                        }
                    }
                    first = false;
                }
            }
        }
        return out;
    }

    /** Runs every case of {@code transformer_<kind>} whose {@code <refPrefix><case>.output} the reference holds. */
    private static List<ParityResult> runCases(Fixture f, String kind, QwenImageTransformer model, SafetensorsFile ref,
                                               String refPrefix, String label, NDManager manager) {
        List<ParityResult> out = new ArrayList<>();
        JsonNode cases = f.referenceInfo("transformer_" + kind).path("cases");
        try (SafetensorsFile inputs = f.openReference("transformer_" + kind)) {
            for (var it = cases.fields(); it.hasNext(); ) {
                var c = it.next();
                String key = refPrefix + c.getKey() + ".output";
                if (!ref.contains(key)) {
                    continue;
                }
                try (NDManager m = manager.newSubManager()) {
                    String in = c.getKey() + ".";
                    NDArray mask = inputs.contains(in + "encoder_hidden_states_mask")
                            ? inputs.load(in + "encoder_hidden_states_mask", m) : null;
                    NDArray y = model.forward(inputs.load(in + "hidden_states", m),
                            inputs.load(in + "encoder_hidden_states", m), mask, inputs.load(in + "timestep", m),
                            shapes(c.getValue().path("img_shapes")));
                    out.add(Parity.compare(label + "." + c.getKey(), y, ref.load(key, m), Tolerance.FORWARD));
                }
            }
        }
        return out;
    }

    private static List<List<ImageShape>> shapes(JsonNode node) {
        List<List<ImageShape>> out = new ArrayList<>();
        for (JsonNode sample : node) {
            List<ImageShape> s = new ArrayList<>();
            for (JsonNode fhw : sample) {
                s.add(new ImageShape(fhw.get(0).asInt(), fhw.get(1).asInt(), fhw.get(2).asInt()));
            }
            out.add(s);
        }
        return out;
    }
}
