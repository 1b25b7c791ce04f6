package dev.atelier.inference.model.qwenvl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Parity of the Qwen2.5-VL text encoder with {@code reference/text_encoder.safetensors}: the vision tower
 * ({@code edit.image_embeds}), the edit prompt (position ids exact, last hidden state, prompt embeddings + mask) and
 * the text-to-image prompts (batch of 2 with padding and batch of 1). Inputs are the reference token ids and the
 * processor's pixel values ({@code reference/processor.safetensors}), so these checks do not depend on the tokenizer.
 */
public final class QwenVlModelParityChecks {
    private QwenVlModelParityChecks() {}

    public static List<ParityCheck> all() {
        return List.of(new Vision(), new Edit(), new TextToImage());
    }

    /** {@code text_encoder.visual(pixel_values, grid_thw)} against edit.image_embeds. */
    public static final class Vision implements ParityCheck {
        @Override
        public String name() {
            return "text_encoder.vision";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.editModel().isPresent() && f.hasReference("text_encoder") && f.hasReference("processor");
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager m) {
            try (QwenVlModel model = load(f.editModel()); SafetensorsFile proc = f.openReference("processor");
                    SafetensorsFile ref = f.openReference("text_encoder")) {
                NDArray pixels = proc.load("pixel_values", m);
                long[][] grid = longs2d(proc.load("image_grid_thw", m));
                NDArray out = model.imageEmbeds(pixels, grid, m);
                return List.of(Parity.compare(name() + ".image_embeds", out, ref, "edit.image_embeds",
                        Tolerance.FORWARD, m));
            }
        }
    }

    /** The edit-plus prompt with one condition image. */
    public static final class Edit implements ParityCheck {
        @Override
        public String name() {
            return "text_encoder.edit";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.editModel().isPresent() && f.hasReference("text_encoder") && f.hasReference("processor");
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager m) {
            int dropIdx = f.referenceInfo("text_encoder").path("edit_drop_idx").asInt(PromptTemplate.EDIT_PLUS.dropIndex());
            List<ParityResult> results = new ArrayList<>();
            try (QwenVlModel model = load(f.editModel()); SafetensorsFile proc = f.openReference("processor");
                    SafetensorsFile ref = f.openReference("text_encoder")) {
                long[][] ids = longs2d(proc.load("input_ids", m));
                long[][] mask = longs2d(proc.load("attention_mask", m));
                NDArray pixels = proc.load("pixel_values", m);
                long[][] grid = longs2d(proc.load("image_grid_thw", m));
                long[][][] pos = model.positionIds(ids, mask, grid);
                results.add(Parity.exact(name() + ".position_ids", flatten(pos), ref.load("edit.position_ids", m).toLongArray()));
                NDArray hidden = model.forward(ids, mask, pixels, grid, m);
                results.add(Parity.compare(name() + ".hidden_states_last", hidden, ref, "edit.hidden_states_last",
                        Tolerance.FORWARD, m));
                PromptEmbeds pe = PromptEmbeds.extract(hidden, mask, dropIdx);
                results.add(Parity.compare(name() + ".prompt_embeds", pe.embeds(), ref, "edit.prompt_embeds",
                        Tolerance.FORWARD, m));
                results.add(maskResult(name() + ".prompt_embeds_mask", pe, ref, "edit.prompt_embeds_mask", m));
            }
            return results;
        }
    }

    /** QwenImagePipeline.encode_prompt for two prompts (padded) and for the first one alone. */
    public static final class TextToImage implements ParityCheck {
        @Override
        public String name() {
            return "text_encoder.t2i";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.t2iModel().isPresent() && f.hasReference("text_encoder");
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager m) {
            int dropIdx = f.referenceInfo("text_encoder").path("t2i_drop_idx").asInt(PromptTemplate.T2I.dropIndex());
            List<ParityResult> results = new ArrayList<>();
            try (QwenVlModel model = load(f.t2iModel()); SafetensorsFile ref = f.openReference("text_encoder")) {
                QwenVlPromptEncoder encoder = new QwenVlPromptEncoder(model);
                for (String c : new String[] {"t2i", "t2i1"}) {
                    if (!ref.contains(c + ".input_ids")) {
                        continue;
                    }
                    long[][] ids = longs2d(ref.load(c + ".input_ids", m));
                    long[][] mask = longs2d(ref.load(c + ".attention_mask", m));
                    String n = name() + (c.equals("t2i") ? ".b2" : ".b1");
                    NDArray hidden = model.forward(ids, mask, null, null, m);
                    if (ref.contains(c + ".hidden_states_last")) {
                        results.add(Parity.compare(n + ".hidden_states_last", hidden, ref, c + ".hidden_states_last",
                                Tolerance.FORWARD, m));
                    }
                    // encode_prompt's default max_sequence_length (1024), as the reference was made
                    PromptEmbeds pe = encoder.encode(ids, mask, null, null, dropIdx, m)
                            .truncate(PromptTemplate.TOKENIZER_MAX_LENGTH);
                    results.add(Parity.compare(n + ".prompt_embeds", pe.embeds(), ref, c + ".prompt_embeds",
                            Tolerance.FORWARD, m));
                    results.add(maskResult(n + ".prompt_embeds_mask", pe, ref, c + ".prompt_embeds_mask", m));
                }
            }
            return results;
        }
    }

    /** The mask exactly; where the reference has none (encode_prompt returned None), it must be all ones. */
    private static ParityResult maskResult(String check, PromptEmbeds pe, SafetensorsFile ref, String key,
            NDManager m) {
        long[] actual = pe.mask().toLongArray();
        if (ref.contains(key)) {
            return Parity.exact(check, actual, ref.load(key, m).toLongArray());
        }
        long[] ones = new long[actual.length];
        Arrays.fill(ones, 1);
        return Parity.exact(check + "(None: all valid)", actual, ones);
    }

    static QwenVlModel load(Optional<Path> pipelineFolder) {
        Path p = pipelineFolder.orElseThrow(() -> new IllegalStateException("fixture has no pipeline folder"));
        return QwenVlModel.load(p.resolve("text_encoder"), null, Device.cpu(), DataType.FLOAT32);
    }

    static long[][] longs2d(NDArray a) {
        long[] flat = a.toType(DataType.INT64, false).toLongArray();
        int rows = (int) a.getShape().get(0);
        int cols = a.getShape().dimension() > 1 ? (int) (a.getShape().size() / rows) : 1;
        long[][] out = new long[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    static long[] flatten(long[][] a) {
        return Arrays.stream(a).flatMapToLong(Arrays::stream).toArray();
    }

    static long[] flatten(long[][][] a) {
        return Arrays.stream(a).flatMap(Arrays::stream).flatMapToLong(Arrays::stream).toArray();
    }
}
