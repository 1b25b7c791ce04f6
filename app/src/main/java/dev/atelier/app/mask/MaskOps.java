package dev.atelier.app.mask;

import java.util.Arrays;

/**
 * Whole-mask operations. Each runs in O(pixels) whatever the radius (running sums and sliding windows), so they
 * stay interactive on a 6000x4000 mask.
 */
public final class MaskOps {
    private MaskOps() {}

    public static void invert(Mask m) {
        byte[] d = m.data();
        for (int i = 0; i < d.length; i++) d[i] = (byte) (255 - (d[i] & 0xff));
    }

    public static void clear(Mask m) {
        Arrays.fill(m.data(), (byte) 0);
    }

    public static void fill(Mask m) {
        Arrays.fill(m.data(), (byte) 255);
    }

    /** Grows (radius > 0) or shrinks (radius < 0) the mask by |radius| pixels: a grey-level max/min filter. */
    public static void growShrink(Mask m, int radius) {
        if (radius == 0) return;
        boolean grow = radius > 0;
        int r = Math.abs(radius);
        int w = m.width(), h = m.height();
        byte[] d = m.data();
        int[] line = new int[Math.max(w, h)];
        int[] out = new int[line.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) line[x] = d[y * w + x] & 0xff;
            slidingExtreme(line, out, w, r, grow);
            for (int x = 0; x < w; x++) d[y * w + x] = (byte) out[x];
        }
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) line[y] = d[y * w + x] & 0xff;
            slidingExtreme(line, out, h, r, grow);
            for (int y = 0; y < h; y++) d[y * w + x] = (byte) out[y];
        }
    }

    /** out[i] = max (or min) of in[i-r .. i+r], clamped at the ends; monotonic deque, O(n). */
    static void slidingExtreme(int[] in, int[] out, int n, int r, boolean max) {
        int[] deque = new int[n];
        int head = 0, tail = 0;
        int next = 0;
        for (int i = 0; i < n; i++) {
            int hi = Math.min(n - 1, i + r);
            while (next <= hi) {
                int v = in[next];
                while (tail > head && (max ? in[deque[tail - 1]] <= v : in[deque[tail - 1]] >= v)) tail--;
                deque[tail++] = next++;
            }
            while (deque[head] < i - r) head++;
            out[i] = in[deque[head]];
        }
    }

    /** Softens the edge with a Gaussian of about {@code radius} pixels (three box blurs). */
    public static void feather(Mask m, int radius) {
        if (radius <= 0) return;
        int w = m.width(), h = m.height();
        byte[] d = m.data();
        float[] buf = new float[d.length];
        for (int i = 0; i < d.length; i++) buf[i] = d[i] & 0xff;
        // Box width for three passes approximating a Gaussian with sigma = radius / 2.
        double sigma = Math.max(0.5, radius / 2.0);
        int box = Math.max(1, (int) Math.round(Math.sqrt(12 * sigma * sigma / 3 + 1)) / 2);
        float[] line = new float[Math.max(w, h)];
        float[] tmp = new float[line.length];
        for (int pass = 0; pass < 3; pass++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(buf, y * w, line, 0, w);
                boxBlur(line, tmp, w, box);
                System.arraycopy(tmp, 0, buf, y * w, w);
            }
            for (int x = 0; x < w; x++) {
                for (int y = 0; y < h; y++) line[y] = buf[y * w + x];
                boxBlur(line, tmp, h, box);
                for (int y = 0; y < h; y++) buf[y * w + x] = tmp[y];
            }
        }
        for (int i = 0; i < d.length; i++) d[i] = (byte) Math.min(255, Math.max(0, Math.round(buf[i])));
    }

    /** Running-sum box blur of half-width r with edge clamping. */
    static void boxBlur(float[] in, float[] out, int n, int r) {
        float scale = 1f / (2 * r + 1);
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += in[clamp(i, n)];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (sum * scale);
            sum += in[clamp(i + r + 1, n)] - in[clamp(i - r, n)];
        }
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    }
}
