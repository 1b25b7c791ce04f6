package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.nn.Weights;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Direct transformer forwards against {@code reference/transformer_<kind>.safetensors}: every case listed in the
 * reference metadata ({@code b1}, {@code b1m}, {@code b2}: img_shapes, timestep, mask) and, where the reference
 * holds them, the intermediates {@code <case>.inter.*} (img_in, txt_norm, txt_in, temb, block outputs, RoPE
 * cos/sin, norm_out). fp32 on the CPU, {@link Tolerance#FORWARD}. Config and weights come from the fixture's
 * model folder ({@code transformer/}), so any fixture set with other sizes works.
 */
public final class QwenImageTransformerParity implements ParityCheck {
    private final String kind;
    private final QwenImageTransformer.Impl impl;

    /** @param kind {@code edit} or {@code t2i} */
    public QwenImageTransformerParity(String kind, QwenImageTransformer.Impl impl) {
        this.kind = kind;
        this.impl = impl;
    }

    @Override
    public String name() {
        return "transformer." + kind + "." + impl.name().toLowerCase(java.util.Locale.ROOT);
    }

    private String reference() {
        return "transformer_" + kind;
    }

    private Optional<Path> model(Fixture f) {
        return kind.equals("edit") ? f.editModel() : f.t2iModel();
    }

    @Override
    public boolean applies(Fixture f) {
        return f.hasReference(reference()) && model(f).map(p -> p.resolve("transformer").toFile().isDirectory())
                .orElse(false);
    }

    @Override
    public List<ParityResult> run(Fixture f, NDManager manager) {
        Path dir = model(f).orElseThrow().resolve("transformer");
        JsonNode info = f.referenceInfo(reference());
        QwenImageConfig config = QwenImageConfig.read(dir.resolve("config.json"));
        List<ParityResult> results = new ArrayList<>();
        try (WeightStore store = WeightStores.open(dir);
                NDManager weights = manager.newSubManager();
                SafetensorsFile ref = f.openReference(reference());
                QwenImageTransformer model = QwenImageTransformer.load(config,
                        new Weights(store, weights, DataType.FLOAT32), impl)) {
            String prefix = name() + (model.implementation().equals(implName()) ? "" : "(" + model.implementation()
                    + " fallback)");
            var cases = info.path("cases").fields();
            while (cases.hasNext()) {
                var c = cases.next();
                results.addAll(runCase(prefix, c.getKey(), c.getValue(), model, ref, manager));
            }
        }
        return results;
    }

    private String implName() {
        return impl == QwenImageTransformer.Impl.FUSED ? "fused" : "eager";
    }

    private static List<ParityResult> runCase(String prefix, String name, JsonNode c, QwenImageTransformer model,
            SafetensorsFile ref, NDManager parent) {
        List<ParityResult> out = new ArrayList<>();
        try (NDManager m = parent.newSubManager()) {
            NDArray hidden = ref.load(name + ".hidden_states", m);
            NDArray enc = ref.load(name + ".encoder_hidden_states", m);
            NDArray t = ref.load(name + ".timestep", m);
            String maskKey = name + ".encoder_hidden_states_mask";
            NDArray mask = ref.contains(maskKey) ? ref.load(maskKey, m) : null;
            List<List<ImageShape>> shapes = shapes(c.path("img_shapes"));
            Map<String, NDArray> inter = new LinkedHashMap<>();
            NDArray actual = model.forward(hidden, enc, mask, t, shapes, inter);
            out.add(Parity.compare(prefix + "." + name + ".output", actual, ref.load(name + ".output", m),
                    Tolerance.FORWARD));
            String interPrefix = name + ".inter.";
            for (String key : ref.tensors().keySet()) {
                if (key.startsWith(interPrefix)) {
                    String k = key.substring(interPrefix.length());
                    NDArray a = inter.get(k);
                    out.add(a == null ? ParityResult.failed(prefix + "." + key + " (not produced)")
                            : Parity.compare(prefix + "." + key, a, ref.load(key, m), Tolerance.FORWARD));
                }
            }
            inter.values().forEach(NDArray::close);
        }
        return out;
    }

    /** img_shapes JSON: per sample a list of [frames, h, w]. */
    static List<List<ImageShape>> shapes(JsonNode node) {
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
