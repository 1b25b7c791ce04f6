package dev.atelier.inference.parity;

import java.util.Locale;

/** One compared tensor: {@code ok} when {@code maxAbs <= tol} (and no NaN). */
public record ParityResult(String check, double maxAbs, double tol, boolean ok) {
    public static ParityResult of(String check, double maxAbs, double tol) {
        return new ParityResult(check, maxAbs, tol, !Double.isNaN(maxAbs) && maxAbs <= tol);
    }

    /** A check that could not produce a number (exception, shape mismatch): always a failure. */
    public static ParityResult failed(String check) {
        return new ParityResult(check, Double.NaN, 0, false);
    }

    public String line() {
        return String.format(Locale.ROOT, "PARITY %s max_abs=%.3e tol=%.3e %s", check, maxAbs, tol, ok ? "OK" : "FAIL");
    }
}
