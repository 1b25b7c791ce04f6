package dev.atelier.inference.runtime;

import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.runtime.ComponentWeights.WeightPrecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Component sizes of a diffusers pipeline folder (transformer/, text_encoder/, vae/), read from the weight headers only. */
public final class ModelFootprint {
    private static final Map<String, ComponentRole> FOLDERS = Map.of(
            "text_encoder", ComponentRole.TEXT_ENCODER, "transformer", ComponentRole.TRANSFORMER, "vae", ComponentRole.VAE);

    private ModelFootprint() {
    }

    /**
     * Sizes every component folder present. {@code transformerPrecision} says how the transformer will be loaded
     * (bf16, or fp8 kept as fp8); the others are loaded at {@code floatBytes}.
     */
    public static List<ComponentWeights> of(Path pipelineDir, WeightPrecision transformerPrecision, int floatBytes) {
        List<ComponentWeights> out = new ArrayList<>();
        for (ComponentRole role : ComponentRole.values()) {
            String folder = FOLDERS.entrySet().stream().filter(e -> e.getValue() == role).findFirst().orElseThrow().getKey();
            Path dir = pipelineDir.resolve(folder);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            WeightPrecision p = role == ComponentRole.TRANSFORMER ? transformerPrecision : new WeightPrecision(floatBytes, false);
            try (WeightStore store = WeightStores.open(dir)) {
                out.add(ComponentWeights.of(role, role.label(), store.tensors(), p));
            }
        }
        return out;
    }
}
