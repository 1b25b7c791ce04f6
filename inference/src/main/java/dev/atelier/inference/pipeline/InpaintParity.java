package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Moments;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code reference/pipeline_inpaint} (edit inpaint) and {@code reference/pipeline_inpaint_t2i}: the pipeline fed the
 * recorded random draws ({@code rand<i>_*}, in order) through {@link NoiseSource#recorded}; compared: prompt
 * embeddings and the step-0 prediction ({@link Tolerance#FORWARD}), image latents, every recorded step's latents
 * (full or first tokens) and the final latents ({@link Tolerance#LATENTS}), the output image or its recorded crops
 * ({@link Tolerance#IMAGE}). {@code maxSteps > 0} runs only the first steps (fast unit tests); {@code atelier parity}
 * runs everything.
 */
public final class InpaintParity implements ParityCheck {
    private static final Pattern RAND = Pattern.compile("rand(\\d+)_.*");
    private final String kind;
    private final int maxSteps;

    public InpaintParity(String kind) {
        this(kind, 0);
    }

    public InpaintParity(String kind, int maxSteps) {
        this.kind = kind;
        this.maxSteps = maxSteps;
    }

    private String reference() {
        return "pipeline_" + kind;
    }

    @Override
    public String name() {
        return "pipeline." + kind + (maxSteps > 0 ? ".first" + maxSteps : "");
    }

    @Override
    public boolean applies(Fixture f) {
        return f.hasReference(reference()) && PipelineParityChecks.modelOf(f, f.referenceInfo(reference())).isPresent();
    }

    @Override
    public List<ParityResult> run(Fixture f, NDManager manager) {
        JsonNode info = f.referenceInfo(reference());
        boolean edit = info.path("pipeline").asText().contains("Edit");
        List<ParityResult> out = new ArrayList<>();
        try (NDManager m = manager.newSubManager(); SafetensorsFile ref = f.openReference(reference());
                ModelBundle bundle = ModelBundle.open(PipelineParityChecks.modelOf(f, info).orElseThrow(), m)) {
            Map<Integer, NDArray> draws = new TreeMap<>();
            for (String key : ref.tensors().keySet()) {
                Matcher mt = RAND.matcher(key);
                if (mt.matches()) {
                    draws.put(Integer.parseInt(mt.group(1)), ref.load(key, m, DataType.FLOAT32));
                }
            }
            double cfg = info.path("true_cfg_scale").asDouble(1.0);
            String negative = info.hasNonNull("negative_prompt") && cfg > 1 ? info.path("negative_prompt").asText() : null;
            var sampling = new PipelineSupport.Sampling(info.path("num_inference_steps").asInt(), cfg, null,
                    DenoiseLoop.CfgMode.BATCHED);
            var in = new InpaintPipeline.Inputs(f.referenceImage(info.path("image").asText()),
                    f.referenceMask(info.path("mask_image").asText()), List.of(),
                    info.path("prompt").asText(), negative, info.path("strength").asDouble(),
                    info.path("width").asInt(0), info.path("height").asInt(0), sampling,
                    NoiseSource.recorded(new ArrayList<>(draws.values())), true, maxSteps, 0);
            var rec = new PipelineParityChecks.Recorder(m);
            var o = new InpaintPipeline(bundle, edit ? InpaintPipeline.Mode.EDIT : InpaintPipeline.Mode.TEXT_TO_IMAGE)
                    .run(in, m, rec, rec);
            var t = rec.tensors;
            String p = name();
            Parity.compareIfPresent(out, p + ".prompt_embeds", t.get("prompt_embeds"), ref,
                    "step0_cond.encoder_hidden_states", Tolerance.FORWARD, m);
            Parity.compareIfPresent(out, p + ".negative_prompt_embeds", t.get("negative_prompt_embeds"), ref,
                    "step0_uncond.encoder_hidden_states", Tolerance.FORWARD, m);
            Parity.compareIfPresent(out, p + ".vae_input", t.get("vae_input"), ref, "vae_input", Tolerance.FORWARD, m);
            for (String k : List.of("image_latents", "step0_cond.noise_pred")) {
                Parity.compareIfPresent(out, p + "." + k, t.get(k), ref, k, Tolerance.FORWARD, m);
                String k64 = k + "_first64";
                Parity.compareIfPresent(out, p + "." + k64, PipelineParityChecks.firstTokens(t.get(k), ref, k64), ref,
                        k64, Tolerance.FORWARD, m);
            }
            Parity.compareIfPresent(out, p + ".step0_latent_model_input_first64",
                    PipelineParityChecks.firstTokens(t.get("initial_latents"), ref, "step0_latent_model_input_first64"),
                    ref, "step0_latent_model_input_first64", Tolerance.LATENTS, m);
            stats(out, p + ".image_latents_stats", t.get("image_latents"), ref, "image_latents_stats", m);
            for (int i = 0; t.containsKey("step" + i + "_latents"); i++) {
                String k = "step" + i + "_latents";
                stats(out, p + "." + k + "_stats", t.get(k), ref, k + "_stats", m);
                Parity.compareIfPresent(out, p + "." + k, t.get(k), ref, k, Tolerance.LATENTS, m);
                Parity.compareIfPresent(out, p + "." + k + "_first64",
                        PipelineParityChecks.firstTokens(t.get(k), ref, k + "_first64"), ref, k + "_first64",
                        Tolerance.LATENTS, m);
            }
            if (o.decoded() != null) {
                Parity.compareIfPresent(out, p + ".output_latent", o.latents(), ref, "output_latent", Tolerance.LATENTS, m);
                NDArray pt = o.pt();
                Parity.compareIfPresent(out, p + ".output_pt", pt, ref, "output_pt", Tolerance.IMAGE, m);
                long h = pt.getShape().get(2);
                long w = pt.getShape().get(3);
                Parity.compareIfPresent(out, p + ".output_pt_crop64", pt.get(new NDIndex(":, :, :64, :64")), ref,
                        "output_pt_crop64", Tolerance.IMAGE, m);
                Parity.compareIfPresent(out, p + ".output_pt_center64", pt.get(new NDIndex(":, :, {}:{}, {}:{}",
                        h / 2 - 32, h / 2 + 32, w / 2 - 32, w / 2 + 32)), ref, "output_pt_center64", Tolerance.IMAGE, m);
                stats(out, p + ".output_pt_stats", pt, ref, "output_pt_stats", m);
                Parity.compareIfPresent(out, p + ".output_pt_stride16", pt.get(new NDIndex(":, :, ::16, ::16")), ref,
                        "output_pt_stride16", Tolerance.IMAGE, m);
            }
        }
        return out;
    }

    /**
     * A whole tensor against its recorded {@code [sum, sum|x|, sum x², min, max, n]}: the count exactly, and mean,
     * mean |x|, RMS, min and max within the tolerance (each moves by at most the largest element difference).
     */
    static void stats(List<ParityResult> out, String name, NDArray actual, SafetensorsFile ref, String key, NDManager m) {
        if (actual == null || !ref.tensors().containsKey(key)) {
            return;
        }
        double[] e = ref.load(key, m, DataType.FLOAT64).toDoubleArray();
        Moments a = Moments.of(actual.toType(DataType.FLOAT64, false).toDoubleArray());
        double n = e[5];
        if (a.count() != (long) n) {
            out.add(ParityResult.failed(name + " (" + a.count() + " values, reference " + (long) n + ")"));
            return;
        }
        out.add(Parity.compare(name,
                new double[] {a.sum() / n, a.sumAbs() / n, Math.sqrt(a.sumSq() / n), a.min(), a.max()},
                new double[] {e[0] / n, e[1] / n, Math.sqrt(e[2] / n), e[3], e[4]},
                name.contains("output_pt") ? Tolerance.IMAGE : Tolerance.LATENTS));
    }
}
