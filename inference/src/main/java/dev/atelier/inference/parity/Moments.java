package dev.atelier.inference.parity;

/**
 * {@code sum}, {@code sum |x|}, {@code sum x²}, min and max of a tensor's values, accumulated in double in index
 * order: what the fixtures record as {@code [sum, sum|x|, sum x², min, max, n]} for tensors too large to store.
 */
public record Moments(double sum, double sumAbs, double sumSq, double min, double max, long count) {
    public static Moments of(double[] v) {
        double sum = 0;
        double abs = 0;
        double sq = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            sum += d;
            abs += Math.abs(d);
            sq += d * d;
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        return new Moments(sum, abs, sq, min, max, v.length);
    }

    /** The float values widened to double (exactly), then as {@link #of(double[])}. */
    public static Moments of(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return of(d);
    }
}
