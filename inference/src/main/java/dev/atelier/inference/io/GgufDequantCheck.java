package dev.atelier.inference.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Moments;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Dequantised GGUF values against {@code reference/gguf.safetensors}: {@code model.<name>} and {@code random.<name>}
 * must be bit-exact; {@code model_stats} ([sum, sum|x|, sum x², min, max] of every tensor) must match with min/max
 * exact and each sum within 1e-6 of its row's magnitude: the reference accumulated in float32 (numpy pairwise), we
 * accumulate in float64, so only the sums' rounding differs (measured: ~3.5e-9 relative).
 */
public final class GgufDequantCheck implements ParityCheck {
    /** The sums of model_stats, relative to each row's largest sum: accumulation precision only. */
    static final Tolerance STATS = new Tolerance(1e-6, 0);

    @Override
    public String name() {
        return "gguf.dequant";
    }

    @Override
    public boolean applies(Fixture fixture) {
        return fixture.hasReference("gguf") && Files.isDirectory(fixture.dir().resolve("gguf"));
    }

    @Override
    public List<ParityResult> run(Fixture fixture, NDManager manager) {
        JsonNode info = fixture.referenceInfo("gguf");
        String modelFile = info.path("files").path(0).asText();
        String randomFile = info.path("files").path(1).asText();
        List<ParityResult> out = new ArrayList<>();
        try (SafetensorsFile ref = fixture.openReference("gguf");
             GgufFile model = GgufFile.open(fixture.dir().resolve("gguf").resolve(modelFile));
             GgufFile random = GgufFile.open(fixture.dir().resolve("gguf").resolve(randomFile))) {
            for (String key : ref.tensors().keySet()) {
                GgufFile src = key.startsWith("model.") ? model : key.startsWith("random.") ? random : null;
                if (src == null || key.equals("model_stats")) {
                    continue;
                }
                String name = key.substring(key.indexOf('.') + 1);
                try (NDManager m = manager.newSubManager()) {
                    NDArray actual = src.load(name, m, DataType.FLOAT32);
                    out.add(Parity.compare("gguf.dequant." + key + " (" + src.type(name) + ")", actual,
                            ref.load(key, m), Tolerance.EXACT));
                }
            }
            if (ref.contains("model_stats")) {
                out.addAll(stats(model, ref, info, manager));
            }
        }
        return out;
    }

    private static List<ParityResult> stats(GgufFile model, SafetensorsFile ref, JsonNode info, NDManager manager) {
        List<ParityResult> out = new ArrayList<>();
        double[] expected;
        try (NDManager m = manager.newSubManager()) {
            expected = ref.load("model_stats", m, DataType.FLOAT64).toDoubleArray();
        }
        JsonNode order = info.path("model_stats_order");
        double[] sums = new double[order.size() * 3];
        double[] sumsRef = new double[order.size() * 3];
        double[] minMax = new double[order.size() * 2];
        double[] minMaxRef = new double[order.size() * 2];
        for (int r = 0; r < order.size(); r++) {
            String name = order.get(r).asText();
            float[] v;
            try (NDManager m = manager.newSubManager()) {
                v = model.load(name, m, DataType.FLOAT32).toFloatArray();
            }
            Moments mo = Moments.of(v);
            double norm = Math.max(Math.max(Math.abs(expected[5 * r]), expected[5 * r + 1]),
                    Math.max(expected[5 * r + 2], Double.MIN_NORMAL));
            sums[3 * r] = mo.sum() / norm;
            sums[3 * r + 1] = mo.sumAbs() / norm;
            sums[3 * r + 2] = mo.sumSq() / norm;
            minMax[2 * r] = mo.min();
            minMax[2 * r + 1] = mo.max();
            for (int k = 0; k < 3; k++) {
                sumsRef[3 * r + k] = expected[5 * r + k] / norm;
            }
            System.arraycopy(expected, 5 * r + 3, minMaxRef, 2 * r, 2);
        }
        out.add(Parity.compare("gguf.dequant.model_stats.min_max (" + order.size() + " tensors)", minMax, minMaxRef,
                Tolerance.EXACT));
        out.add(Parity.compare("gguf.dequant.model_stats.sums_relative (" + order.size() + " tensors)", sums, sumsRef, STATS));
        return out;
    }
}
