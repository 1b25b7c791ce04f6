package dev.atelier.inference.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.SafetensorsFile;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs every registered {@link ParityCheck} whose inputs a fixture folder holds. */
public final class Parity {
    private Parity() {}

    /** Every check the engine has. Components add theirs here. */
    public static List<ParityCheck> checks() {
        List<ParityCheck> all = new ArrayList<>();
        all.add(new dev.atelier.inference.sched.SchedulerParityCheck());
        all.addAll(dev.atelier.inference.model.qwenvl.QwenVlParityChecks.all());
        all.add(new dev.atelier.inference.model.vae.VaeParityCheck());
        all.add(new dev.atelier.inference.model.vae.VaePipelineParityCheck());
        all.addAll(dev.atelier.inference.model.qwenvl.QwenVlModelParityChecks.all());
        for (String kind : List.of("edit", "t2i")) {
            for (var impl : dev.atelier.inference.model.qwenimage.QwenImageTransformer.Impl.values()) {
                all.add(new dev.atelier.inference.model.qwenimage.QwenImageTransformerParity(kind, impl));
            }
        }
        all.addAll(dev.atelier.inference.pipeline.PipelineParityChecks.all());
        all.add(new dev.atelier.inference.io.GgufDequantCheck());
        for (var group : dev.atelier.inference.model.qwenimage.QwenImageFormatsParity.Group.values()) {
            all.add(new dev.atelier.inference.model.qwenimage.QwenImageFormatsParity(group));
        }
        return all;
    }

    /** Compares {@code actual} with {@code expected}: same shape, max |a - e| within the tolerance. */
    public static ParityResult compare(String check, NDArray actual, NDArray expected, Tolerance tol) {
        if (!actual.getShape().equals(expected.getShape())) {
            return ParityResult.failed(check + " (shape " + actual.getShape() + " vs reference " + expected.getShape() + ")");
        }
        double[] a = actual.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] e = expected.toType(DataType.FLOAT64, false).toDoubleArray();
        return compare(check, a, e, tol);
    }

    /** {@link #compare(String, NDArray, NDArray, Tolerance)} against the reference tensor {@code key} (as float32). */
    public static ParityResult compare(String check, NDArray actual, SafetensorsFile ref, String key, Tolerance tol,
            NDManager m) {
        return compare(check, actual, ref.load(key, m, DataType.FLOAT32), tol);
    }

    /**
     * Adds the comparison with reference tensor {@code key} when the reference holds it; a missing {@code actual}
     * (the run did not produce it) is a failure.
     */
    public static void compareIfPresent(List<ParityResult> out, String check, NDArray actual, SafetensorsFile ref,
            String key, Tolerance tol, NDManager m) {
        if (!ref.tensors().containsKey(key)) {
            return;
        }
        out.add(actual == null ? ParityResult.failed(check + " (not produced)")
                : compare(check, actual, ref, key, tol, m));
    }

    public static ParityResult compare(String check, double[] a, double[] e, Tolerance tol) {
        if (a.length != e.length) {
            return ParityResult.failed(check + " (length " + a.length + " vs reference " + e.length + ")");
        }
        double maxAbs = 0;
        double maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (Double.isNaN(d)) {
                maxAbs = Double.NaN;
                break;
            }
            maxAbs = Math.max(maxAbs, d);
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        return ParityResult.of(check, maxAbs, tol.bound(maxRef));
    }

    /** Exact comparison of integer data (token ids, masks, grids). */
    public static ParityResult exact(String check, long[] a, long[] e) {
        if (!Arrays.equals(a, e)) {
            int n = Math.min(a.length, e.length);
            long maxAbs = a.length == e.length ? 0 : Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(a[i] - e[i]));
            }
            return new ParityResult(check, maxAbs, 0, false);
        }
        return ParityResult.of(check, 0, 0);
    }

    /** Runs every applicable check; prints one line per result and a summary. Returns the number of failures. */
    public static int runAll(Fixture fixture, List<ParityCheck> checks, NDManager manager, PrintStream out) {
        int passed = 0;
        int failed = 0;
        for (ParityCheck c : checks) {
            if (!c.applies(fixture)) {
                continue;
            }
            List<ParityResult> results;
            try (NDManager m = manager.newSubManager()) {
                results = c.run(fixture, m);
            } catch (Exception | AssertionError e) {
                results = List.of(ParityResult.failed(c.name() + " (" + e.getClass().getSimpleName() + ": "
                        + e.getMessage() + ")"));
            }
            for (ParityResult r : results) {
                out.println(r.line());
                if (r.ok()) {
                    passed++;
                } else {
                    failed++;
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        return failed;
    }
}
