package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * End-to-end parity of the pipelines with {@code reference/pipeline_edit} and {@code reference/pipeline_t2i}: every
 * run listed in the reference metadata ({@code runs}: a run with twice as many transformer calls as steps is the true
 * CFG run with the metadata's scale and negative prompt, otherwise CFG 1 without negative prompt), from the recorded
 * initial latents; compared: prompt embeddings and step-0 noise predictions ({@link Tolerance#FORWARD}), every step's
 * latents and the final latents ({@link Tolerance#LATENTS}), the output image ({@link Tolerance#IMAGE}). The true CFG
 * run is checked with cond/uncond batched and sequential. Sizes, prompts and settings come from the metadata.
 */
public final class PipelineParityChecks {
    private PipelineParityChecks() {}

    public static List<ParityCheck> all() {
        return List.of(new Guided("edit"), new Guided("t2i"), new InpaintParity("inpaint"), new InpaintParity("inpaint_t2i"));
    }

    /** Copies {@code a} (float32) into {@code m}, out of any open scope. */
    static NDArray keep(NDArray a, NDManager m) {
        NDArray c = m.create(a.toType(DataType.FLOAT32, false).toFloatArray(), a.getShape());
        NDScope.unregister(c);
        return c;
    }

    static Optional<Path> modelOf(Fixture f, JsonNode info) {
        String dir = info.path("model_dir").asText("");
        if (!dir.isEmpty() && f.dir().resolve(dir).toFile().isDirectory()) {
            return Optional.of(f.dir().resolve(dir));
        }
        return info.path("pipeline").asText("").contains("Edit") ? f.editModel() : f.t2iModel();
    }

    /** Records the observer tensors and per-step latents/predictions of a run. */
    static final class Recorder implements PipelineSupport.Observer, DenoiseLoop.StepListener {
        final NDManager m;
        final Map<String, NDArray> tensors = new HashMap<>();

        Recorder(NDManager m) {
            this.m = m;
        }

        @Override
        public void tensor(String name, NDArray value) {
            tensors.put(name, keep(value, m));
        }

        @Override
        public void onStep(DenoiseLoop.Step s) {
            tensors.put("step" + s.index() + "_latents", keep(s.latents(), m));
            if (s.index() == 0) {
                tensors.put("step0_cond.noise_pred", keep(s.condPred(), m));
                if (s.uncondPred() != null) {
                    tensors.put("step0_uncond.noise_pred", keep(s.uncondPred(), m));
                }
            }
        }
    }

    /** {@code a[:, :n]} when the reference holds only the first {@code n} tokens. */
    static NDArray firstTokens(NDArray a, SafetensorsFile ref, String key) {
        if (a == null || !ref.tensors().containsKey(key)) {
            return a;
        }
        long n = ref.tensors().get(key).shape()[1];
        return a.getShape().get(1) == n ? a : a.get(new NDIndex(":, :{}", n));
    }

    /** pipeline_edit / pipeline_t2i. */
    static final class Guided implements ParityCheck {
        private final String kind;

        Guided(String kind) {
            this.kind = kind;
        }

        private String reference() {
            return "pipeline_" + kind;
        }

        @Override
        public String name() {
            return "pipeline." + kind;
        }

        @Override
        public boolean applies(Fixture f) {
            return f.hasReference(reference()) && modelOf(f, f.referenceInfo(reference())).isPresent();
        }

        @Override
        public List<ParityResult> run(Fixture f, NDManager manager) {
            JsonNode info = f.referenceInfo(reference());
            List<ParityResult> out = new ArrayList<>();
            try (NDManager m = manager.newSubManager(); SafetensorsFile ref = f.openReference(reference());
                    ModelBundle bundle = ModelBundle.open(modelOf(f, info).orElseThrow(), m)) {
                int steps = info.path("num_inference_steps").asInt();
                var runs = info.path("runs").fields();
                while (runs.hasNext()) {
                    var r = runs.next();
                    boolean cfg = r.getValue().path("n_calls").asInt() == 2 * steps;
                    List<DenoiseLoop.CfgMode> modes = cfg ? List.of(DenoiseLoop.CfgMode.BATCHED,
                            DenoiseLoop.CfgMode.SEQUENTIAL) : List.of(DenoiseLoop.CfgMode.BATCHED);
                    for (DenoiseLoop.CfgMode mode : modes) {
                        out.addAll(runOne(f, info, ref, bundle, r.getKey(), cfg, mode, steps, m));
                    }
                }
            }
            return out;
        }

        private List<ParityResult> runOne(Fixture f, JsonNode info, SafetensorsFile ref, ModelBundle bundle, String run,
                boolean cfg, DenoiseLoop.CfgMode mode, int steps, NDManager parent) {
            List<ParityResult> out = new ArrayList<>();
            String p = name() + "." + run + (cfg ? "." + mode.name().toLowerCase(java.util.Locale.ROOT) : "");
            try (NDManager m = parent.newSubManager()) {
                Recorder rec = new Recorder(m);
                double scale = cfg ? info.path("true_cfg_scale").asDouble() : 1.0;
                String negative = cfg ? info.path("negative_prompt").asText() : null;
                var sampling = new PipelineSupport.Sampling(steps, scale, null, mode);
                NDArray init = ref.load("latents_init", m, DataType.FLOAT32);
                int w = info.path("width").asInt(0);
                int h = info.path("height").asInt(0);
                String prompt = info.path("prompt").asText();
                PipelineSupport.Output o;
                if (kind.equals("edit")) {
                    var images = new ArrayList<dev.atelier.inference.api.RgbImage>();
                    JsonNode img = info.path("image");
                    for (JsonNode i : img.isArray() ? img : List.of(img)) {
                        images.add(f.referenceImage(i.asText()));
                    }
                    o = new EditPipeline(bundle).run(new EditPipeline.Inputs(images, prompt, negative, w, h, sampling,
                            init, null, true), m, rec, rec);
                } else {
                    o = new TextToImagePipeline(bundle).run(new TextToImagePipeline.Inputs(prompt, negative, w, h,
                            sampling, init, null, true), m, rec, rec);
                }
                Map<String, NDArray> t = rec.tensors;
                Parity.compareIfPresent(out, p + ".prompt_embeds", t.get("prompt_embeds"), ref,
                        run + ".step0_cond.encoder_hidden_states", Tolerance.FORWARD, m);
                Parity.compareIfPresent(out, p + ".negative_prompt_embeds", t.get("negative_prompt_embeds"), ref,
                        run + ".step0_uncond.encoder_hidden_states", Tolerance.FORWARD, m);
                NDArray vin = t.get("vae_input_0");
                if (vin != null) {
                    Parity.compareIfPresent(out, p + ".vae_input_crop64", vin.get(new NDIndex(":, :, :, :64, :64")),
                            ref, "vae_input_crop64", Tolerance.FORWARD, m);
                    Parity.compareIfPresent(out, p + ".vae_input_stride16",
                            vin.get(new NDIndex(":, :, :, ::16, ::16")), ref, "vae_input_stride16", Tolerance.FORWARD, m);
                }
                String il = run + ".image_latents_first256";
                Parity.compareIfPresent(out, p + ".image_latents", firstTokens(t.get("image_latents"), ref, il), ref, il,
                        Tolerance.FORWARD, m);
                Parity.compareIfPresent(out, p + ".step0_cond.noise_pred", t.get("step0_cond.noise_pred"), ref,
                        run + ".step0_cond.noise_pred", Tolerance.FORWARD, m);
                Parity.compareIfPresent(out, p + ".step0_uncond.noise_pred", t.get("step0_uncond.noise_pred"), ref,
                        run + ".step0_uncond.noise_pred", Tolerance.FORWARD, m);
                for (int i = 0; i < steps; i++) {
                    Parity.compareIfPresent(out, p + ".step" + i + "_latents", t.get("step" + i + "_latents"), ref,
                            run + ".step" + i + "_latents", Tolerance.LATENTS, m);
                }
                Parity.compareIfPresent(out, p + ".output_latent", o.latents(), ref, run + ".output_latent",
                        Tolerance.LATENTS, m);
                Parity.compareIfPresent(out, p + ".output_pt", o.pt(), ref, run + ".output_pt", Tolerance.IMAGE, m);
            }
            return out;
        }
    }
}
