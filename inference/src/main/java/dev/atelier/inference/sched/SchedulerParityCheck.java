package dev.atelier.inference.sched;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code reference/scheduler.json}: for every case (config x steps x image_seq_len) mu, the pipelines' input sigmas,
 * the shifted sigmas (with the terminal value) and the timesteps; the step count exactly; then the Euler walk (a few
 * {@code scheduler.step} calls). Configs, cases and shapes are read from the file.
 */
public final class SchedulerParityCheck implements ParityCheck {
    @Override
    public String name() {
        return "scheduler";
    }

    static Path file(Fixture f) {
        return f.dir().resolve("reference").resolve("scheduler.json");
    }

    @Override
    public boolean applies(Fixture fixture) {
        return Files.isRegularFile(file(fixture));
    }

    @Override
    public List<ParityResult> run(Fixture fixture, NDManager manager) {
        JsonNode root = Fixture.readJson(file(fixture));
        JsonNode configs = root.path("configs");
        List<ParityResult> out = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            String cfgName = c.path("config").asText();
            SchedulerConfig cfg = SchedulerConfig.fromJson(configs.path(cfgName));
            int steps = c.path("steps").asInt();
            long seqLen = c.path("image_seq_len").asLong();
            String id = "scheduler." + cfgName + ".steps" + steps + ".seq" + seqLen;
            FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(cfg);
            double mu = s.mu(seqLen);
            out.add(Parity.compare(id + ".mu", new double[] {mu}, new double[] {c.path("mu").asDouble()}, Tolerance.SCHEDULER));
            double[] sigmasIn = FlowMatchEulerScheduler.pipelineSigmas(steps);
            if (c.has("sigmas_in")) {
                out.add(Parity.compare(id + ".sigmas_in", sigmasIn, doubles(c.path("sigmas_in")), Tolerance.SCHEDULER));
            }
            s.setTimesteps(sigmasIn, mu);
            out.add(Parity.exact(id + ".step_count", new long[] {s.numInferenceSteps(), s.sigmas().length},
                    new long[] {c.path("timesteps").size(), c.path("sigmas").size()}));
            out.add(Parity.compare(id + ".sigmas", widen(s.sigmas()), doubles(c.path("sigmas")), Tolerance.SCHEDULER));
            out.add(Parity.compare(id + ".timesteps", widen(s.timesteps()), doubles(c.path("timesteps")), Tolerance.SCHEDULER));
        }
        if (root.has("euler_walk")) {
            out.addAll(eulerWalk(root.path("euler_walk"), configs, manager));
        }
        for (String pipeline : PIPELINES) {
            Path sidecar = fixture.dir().resolve("reference").resolve(pipeline + ".json");
            if (Files.isRegularFile(sidecar)) {
                out.addAll(pipelineSchedule(fixture, pipeline, Fixture.readJson(sidecar)));
            }
        }
        return out;
    }

    /** Pipeline references whose recorded timesteps the schedule must reproduce. */
    static final List<String> PIPELINES = List.of("pipeline_edit", "pipeline_t2i", "pipeline_inpaint", "pipeline_inpaint_t2i");

    /**
     * The timesteps a pipeline run recorded, rebuilt from its model's scheduler_config.json, its step count, its image
     * size (mu from the packed token count) and, for inpaint, its strength ({@code get_timesteps}). Runs record
     * {@code t / 1000} per transformer call (twice per step with true CFG); inpaint runs record {@code t}.
     */
    private static List<ParityResult> pipelineSchedule(Fixture fixture, String name, JsonNode info) {
        List<ParityResult> out = new ArrayList<>();
        Path cfgFile = fixture.dir().resolve(info.path("model_dir").asText()).resolve("scheduler").resolve("scheduler_config.json");
        if (!Files.isRegularFile(cfgFile)) {
            return List.of(ParityResult.failed("scheduler." + name + " (no " + cfgFile + ")"));
        }
        int steps = info.path("num_inference_steps").asInt();
        int w = info.has("output_wh") ? info.path("output_wh").get(0).asInt() : info.path("width").asInt();
        int h = info.has("output_wh") ? info.path("output_wh").get(1).asInt() : info.path("height").asInt();
        long seqLen = (long) (h / 16) * (w / 16);
        FlowMatchEulerScheduler s = FlowMatchEulerScheduler.forRun(SchedulerConfig.read(cfgFile), null, steps, seqLen);
        if (info.has("strength")) {
            float[] ts = s.getTimesteps(info.path("strength").asDouble()).timesteps();
            out.add(Parity.exact("scheduler." + name + ".step_count", new long[] {ts.length},
                    new long[] {info.path("timesteps").size()}));
            out.add(Parity.compare("scheduler." + name + ".timesteps", widen(ts), doubles(info.path("timesteps")),
                    Tolerance.SCHEDULER));
            return out;
        }
        float[] ts = s.timesteps();
        for (var run : (Iterable<java.util.Map.Entry<String, JsonNode>>) info.path("runs")::fields) {
            JsonNode calls = run.getValue().path("timesteps");
            int perStep = Math.max(1, calls.size() / Math.max(1, ts.length));
            double[] actual = new double[calls.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = ts[i / perStep] / 1000f; // the pipeline passes timestep / 1000 in float32
            }
            String id = "scheduler." + name + "." + run.getKey();
            out.add(Parity.exact(id + ".step_count", new long[] {(long) ts.length * perStep}, new long[] {calls.size()}));
            out.add(Parity.compare(id + ".timesteps", actual, doubles(calls), Tolerance.SCHEDULER));
        }
        return out;
    }

    /** The walk uses the config named in it, else the model's ({@code qwen_image}), else the first one listed. */
    private static List<ParityResult> eulerWalk(JsonNode walk, JsonNode configs, NDManager manager) {
        String cfgName = walk.has("config") ? walk.path("config").asText()
                : configs.has("qwen_image") ? "qwen_image" : configs.fieldNames().next();
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.fromJson(configs.path(cfgName)));
        int steps = walk.path("steps").asInt();
        s.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(steps), s.mu(walk.path("image_seq_len").asLong()));
        List<ParityResult> out = new ArrayList<>();
        NDArray sample = matrix(manager, walk.path("sample0"));
        Iterator<JsonNode> outputs = walk.path("model_outputs").iterator();
        int i = 0;
        for (JsonNode expected : walk.path("samples")) {
            NDArray modelOutput = matrix(manager, outputs.next());
            NDArray next = s.step(modelOutput, sample);
            out.add(Parity.compare("scheduler.euler_walk.step" + i, next, matrix(manager, expected), Tolerance.SCHEDULER));
            sample = next;
            i++;
        }
        out.add(Parity.exact("scheduler.euler_walk.step_count", new long[] {i}, new long[] {walk.path("model_outputs").size()}));
        return out;
    }

    private static NDArray matrix(NDManager m, JsonNode rows) {
        int r = rows.size();
        int c = rows.get(0).size();
        float[] data = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                data[i * c + j] = (float) rows.get(i).get(j).asDouble();
            }
        }
        return m.create(data, new Shape(r, c));
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).asDouble();
        }
        return d;
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
