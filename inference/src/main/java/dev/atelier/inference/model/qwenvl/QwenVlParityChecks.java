package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parity checks of everything before the Qwen2.5-VL model: tokenizer, prompt templates, image processing. */
public final class QwenVlParityChecks {
    private QwenVlParityChecks() {}

    /** Fraction of pixel values allowed to differ by more than {@link #PIXEL_CLOSE} (fixture README: ≥ 99 % within). */
    static final double PIXEL_FAR_FRACTION = 0.01;
    static final double PIXEL_CLOSE = 1e-5;

    public static List<ParityCheck> all() {
        return List.of(new ProcessorCheck(), new ConditionImageCheck(), new T2iTokenizerCheck(), new PromptEmbedsCheck());
    }

    private static Optional<Path> processorDir(Fixture f) {
        return f.editModel().map(p -> p.resolve("processor")).filter(Files::isDirectory);
    }

    /** The edit-plus processor call: condition image → pixel patches, ids, mask, grid ({@code reference/processor}). */
    public static final class ProcessorCheck implements ParityCheck {
        @Override
        public String name() {
            return "processor";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.hasReference("processor") && processorDir(f).isPresent();
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager manager) {
            JsonNode info = f.referenceInfo("processor");
            List<ParityResult> out = new ArrayList<>();
            try (SafetensorsFile ref = f.openReference("processor");
                    QwenVlProcessor proc = QwenVlProcessor.fromFolder(processorDir(f).orElseThrow())) {
                RgbBytes input = RefTensors.image(ref, "input_image_u8");
                RgbBytes cond = ConditionImages.conditionImage(input);
                JsonNode wh = info.path("condition_size_wh");
                if (wh.isArray()) {
                    out.add(Parity.exact("processor.condition_size", new long[] {cond.width(), cond.height()},
                            new long[] {wh.get(0).asLong(), wh.get(1).asLong()}));
                }
                String prompt = info.path("prompt").asText();
                String text = PromptTemplate.EDIT_PLUS.format(prompt, 1);
                if (info.has("text")) {
                    out.add(ParityResult.of("processor.text", text.equals(info.get("text").asText()) ? 0 : 1, 0));
                }
                if (info.has("drop_idx")) {
                    out.add(Parity.exact("processor.drop_idx", new long[] {PromptTemplate.EDIT_PLUS.dropIndex()},
                            new long[] {info.get("drop_idx").asLong()}));
                }
                QwenVlProcessor.Output o = proc.encodePrompts(PromptTemplate.EDIT_PLUS, List.of(prompt), List.of(cond));
                out.add(exactIds("processor.input_ids", o.tokens().flatIds(), ref, "input_ids"));
                out.add(exactIds("processor.attention_mask", o.tokens().flatMask(), ref, "attention_mask"));
                out.add(exactIds("processor.image_grid_thw", o.pixels().flatGrid(), ref, "image_grid_thw"));
                out.addAll(pixels("processor.pixel_values", o.pixels(), ref, "pixel_values"));
            }
            return out;
        }
    }

    /** {@code reference/condition_image.png} = Lanczos resize of {@code reference/input_image.png}, byte for byte. */
    public static final class ConditionImageCheck implements ParityCheck {
        @Override
        public String name() {
            return "condition_image";
        }

        @Override
        public boolean applies(Fixture f) {
            Path r = f.dir().resolve("reference");
            return Files.isRegularFile(r.resolve("input_image.png")) && Files.isRegularFile(r.resolve("condition_image.png"));
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager manager) {
            RgbBytes input = RgbBytes.of(f.referenceImage("input_image.png"));
            RgbBytes expected = RgbBytes.of(f.referenceImage("condition_image.png"));
            RgbBytes actual = ConditionImages.conditionImage(input);
            List<ParityResult> out = new ArrayList<>();
            out.add(Parity.exact("condition_image.size", new long[] {actual.width(), actual.height()},
                    new long[] {expected.width(), expected.height()}));
            if (actual.width() == expected.width() && actual.height() == expected.height()) {
                out.add(Parity.exact("condition_image.pixels", widen(actual.rgb()), widen(expected.rgb())));
            }
            return out;
        }
    }

    /** Text-to-image prompt tokenisation: {@code t2i.*} / {@code t2i1.*} ids and masks of {@code reference/text_encoder}. */
    public static final class T2iTokenizerCheck implements ParityCheck {
        @Override
        public String name() {
            return "tokenizer.t2i";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.hasReference("text_encoder")
                    && f.t2iModel().map(p -> Files.isDirectory(p.resolve("tokenizer"))).orElse(false);
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager manager) {
            JsonNode info = f.referenceInfo("text_encoder");
            List<String> prompts = new ArrayList<>();
            info.path("t2i_prompts").forEach(p -> prompts.add(p.asText()));
            List<ParityResult> out = new ArrayList<>();
            try (SafetensorsFile ref = f.openReference("text_encoder");
                    QwenTokenizer tok = QwenTokenizer.fromFolder(f.t2iModel().orElseThrow().resolve("tokenizer"))) {
                List<String> texts = prompts.stream().map(PromptTemplate.T2I::format).toList();
                JsonNode refTexts = info.path("t2i_texts");
                for (int i = 0; i < texts.size() && i < refTexts.size(); i++) {
                    out.add(ParityResult.of("tokenizer.t2i.text" + i, texts.get(i).equals(refTexts.get(i).asText()) ? 0 : 1, 0));
                }
                int max = PromptTemplate.T2I.maxTokens().orElseThrow();
                for (String prefix : List.of("t2i", "t2i1")) {
                    if (!ref.tensors().containsKey(prefix + ".input_ids")) {
                        continue;
                    }
                    int n = (int) RefTensors.shape(ref, prefix + ".input_ids")[0];
                    TokenBatch b = tok.encode(texts.subList(0, n), max);
                    out.add(exactIds("tokenizer." + prefix + ".input_ids", b.flatIds(), ref, prefix + ".input_ids"));
                    out.add(exactIds("tokenizer." + prefix + ".attention_mask", b.flatMask(), ref,
                            prefix + ".attention_mask"));
                }
            }
            return out;
        }
    }

    /**
     * Masked extraction, drop and padding of the pipelines ({@code _get_qwen_prompt_embeds} after the encoder) on the
     * reference hidden states: {@code edit.*} (drop 64) and {@code t2i.*}, {@code t2i1.*} (drop 34) of
     * {@code reference/text_encoder}. A pure copy, so it must be exact.
     */
    public static final class PromptEmbedsCheck implements ParityCheck {
        @Override
        public String name() {
            return "prompt_embeds.extract";
        }

        @Override
        public boolean applies(Fixture f) {
            return f.hasReference("text_encoder") && f.hasReference("processor");
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager manager) {
            JsonNode info = f.referenceInfo("text_encoder");
            List<ParityResult> out = new ArrayList<>();
            try (SafetensorsFile te = f.openReference("text_encoder"); SafetensorsFile pr = f.openReference("processor")) {
                int editDrop = info.path("edit_drop_idx").asInt(PromptTemplate.EDIT_PLUS.dropIndex());
                int t2iDrop = info.path("t2i_drop_idx").asInt(PromptTemplate.T2I.dropIndex());
                out.add(Parity.exact("prompt_embeds.drop_idx", new long[] {PromptTemplate.EDIT_PLUS.dropIndex(),
                        PromptTemplate.T2I.dropIndex()}, new long[] {editDrop, t2iDrop}));
                compare(out, "edit", te, "edit.hidden_states_last",
                        RefTensors.rows(RefTensors.longs(pr, "attention_mask"), RefTensors.shape(pr, "attention_mask")),
                        editDrop, manager);
                for (String p : List.of("t2i", "t2i1")) {
                    if (te.tensors().containsKey(p + ".hidden_states_last")) {
                        compare(out, p, te, p + ".hidden_states_last", RefTensors.rows(RefTensors.longs(te,
                                p + ".attention_mask"), RefTensors.shape(te, p + ".attention_mask")), t2iDrop, manager);
                    }
                }
            }
            return out;
        }

        private static void compare(List<ParityResult> out, String p, SafetensorsFile te, String hiddenName,
                long[][] mask, int drop, NDManager manager) {
            NDArray hidden = te.load(hiddenName, manager);
            PromptEmbeds e = PromptEmbeds.extract(hidden, mask, drop);
            out.add(Parity.compare("prompt_embeds." + p + ".embeds", e.embeds(), te, p + ".prompt_embeds",
                    Tolerance.EXACT, manager));
            if (te.tensors().containsKey(p + ".prompt_embeds_mask")) {
                out.add(Parity.exact("prompt_embeds." + p + ".mask", e.mask().toLongArray(),
                        RefTensors.longs(te, p + ".prompt_embeds_mask")));
            }
        }
    }

    static ParityResult exactIds(String check, long[] actual, SafetensorsFile ref, String name) {
        return Parity.exact(check, actual, RefTensors.longs(ref, name));
    }

    /** max |a - e| within {@link Tolerance#PIXELS}, and at most 1 % of the values off by more than 1e-5. */
    static List<ParityResult> pixels(String check, PixelPatches actual, SafetensorsFile ref, String name) {
        long[] shape = RefTensors.shape(ref, name);
        if (!java.util.Arrays.equals(shape, actual.shape())) {
            return List.of(ParityResult.failed(check + " (shape " + java.util.Arrays.toString(actual.shape())
                    + " vs reference " + java.util.Arrays.toString(shape) + ")"));
        }
        float[] e = RefTensors.floats(ref, name);
        float[] a = actual.pixelValues();
        double[] ad = new double[a.length];
        double[] ed = new double[e.length];
        long far = 0;
        for (int i = 0; i < a.length; i++) {
            ad[i] = a[i];
            ed[i] = e[i];
            if (!(Math.abs(ad[i] - ed[i]) <= PIXEL_CLOSE)) {
                far++;
            }
        }
        return List.of(Parity.compare(check, ad, ed, Tolerance.PIXELS),
                ParityResult.of(check + ".fraction_off_by_1e-5", (double) far / a.length, PIXEL_FAR_FRACTION));
    }

    private static long[] widen(byte[] b) {
        long[] out = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }
}
