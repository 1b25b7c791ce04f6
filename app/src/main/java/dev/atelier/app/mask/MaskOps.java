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

    /**
     * Grows (radius > 0) or shrinks (radius < 0) the mask by |radius| pixels: a grey-level max/min filter over a
     * square, edges clamped. Rows use a monotonic deque; columns use van Herk/Gil-Werman on whole rows, so memory
     * is read in order (a 6000x4000 mask takes a few hundred milliseconds).
     */
    public static void growShrink(Mask m, int radius) {
        if (radius == 0) return;
        boolean grow = radius > 0;
        int r = Math.abs(radius);
        int w = m.width(), h = m.height();
        byte[] d = m.data();
        int[] line = new int[w];
        int[] out = new int[w];
        int[] deque = new int[w];
        for (int y = 0; y < h; y++) {
            int o = y * w;
            for (int x = 0; x < w; x++) line[x] = d[o + x] & 0xff;
            slidingExtreme(line, out, deque, w, r, grow);
            for (int x = 0; x < w; x++) d[o + x] = (byte) out[x];
        }
        verticalExtreme(d, w, h, r, grow);
    }

    /** out[i] = max (or min) of in[i-r .. i+r], clamped at the ends; monotonic deque, O(n). */
    static void slidingExtreme(int[] in, int[] out, int[] deque, int n, int r, boolean max) {
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

    /**
     * Column max/min over 2r+1 rows. Rows are padded by r copies of the edge row (padded row p is source row
     * clamp(p - r)); within blocks of 2r+1 padded rows, prefix and suffix extremes give each window in two lookups.
     */
    static void verticalExtreme(byte[] d, int w, int h, int r, boolean max) {
        int ph = h + 2 * r, k = 2 * r + 1;
        byte[] pre = new byte[ph * w], suf = new byte[ph * w];
        for (int b = 0; b < ph; b += k) {
            int e = Math.min(ph, b + k) - 1;
            System.arraycopy(d, srcRow(b, r, h) * w, pre, b * w, w);
            for (int p = b + 1; p <= e; p++) extreme(pre, (p - 1) * w, d, srcRow(p, r, h) * w, pre, p * w, w, max);
            System.arraycopy(d, srcRow(e, r, h) * w, suf, e * w, w);
            for (int p = e - 1; p >= b; p--) extreme(suf, (p + 1) * w, d, srcRow(p, r, h) * w, suf, p * w, w, max);
        }
        for (int y = 0; y < h; y++) extreme(suf, y * w, pre, (y + 2 * r) * w, d, y * w, w, max);
    }

    private static int srcRow(int p, int r, int h) {
        return Math.min(h - 1, Math.max(0, p - r));
    }

    private static void extreme(byte[] a, int ao, byte[] b, int bo, byte[] out, int oo, int n, boolean max) {
        for (int i = 0; i < n; i++) {
            int x = a[ao + i] & 0xff, y = b[bo + i] & 0xff;
            out[oo + i] = (byte) (max ? Math.max(x, y) : Math.min(x, y));
        }
    }

    /** Softens the edge with a Gaussian of about {@code radius} pixels (three box blurs, rows then columns). */
    public static void feather(Mask m, int radius) {
        if (radius <= 0) return;
        int w = m.width(), h = m.height();
        byte[] d = m.data();
        double sigma = Math.max(0.5, radius / 2.0);
        // Half-width of each of three boxes whose combined variance is sigma^2: (2b+1)^2 = 12 sigma^2 / 3 + 1.
        int box = Math.max(1, (int) Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
        byte[] tmp = new byte[d.length];
        int[] sums = new int[w];
        byte[] rowIn = new byte[w];
        for (int pass = 0; pass < 3; pass++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(d, y * w, rowIn, 0, w);
                boxRow(rowIn, d, y * w, w, box);
            }
            boxColumns(d, tmp, w, h, box, sums);
            System.arraycopy(tmp, 0, d, 0, d.length);
        }
    }

    /** Running-sum box blur of one row (half-width r, edges clamped) from {@code in} into {@code out[o..]}. */
    static void boxRow(byte[] in, byte[] out, int o, int n, int r) {
        int k = 2 * r + 1;
        int sum = 0;
        for (int i = -r; i <= r; i++) sum += in[clamp(i, n)] & 0xff;
        for (int i = 0; i < n; i++) {
            out[o + i] = (byte) ((sum + k / 2) / k);
            sum += (in[clamp(i + r + 1, n)] & 0xff) - (in[clamp(i - r, n)] & 0xff);
        }
    }

    /** Vertical running-sum box blur, one running sum per column, reading whole rows. */
    static void boxColumns(byte[] in, byte[] out, int w, int h, int r, int[] sums) {
        int k = 2 * r + 1;
        java.util.Arrays.fill(sums, 0);
        for (int i = -r; i <= r; i++) {
            int o = clamp(i, h) * w;
            for (int x = 0; x < w; x++) sums[x] += in[o + x] & 0xff;
        }
        for (int y = 0; y < h; y++) {
            int o = y * w, add = clamp(y + r + 1, h) * w, sub = clamp(y - r, h) * w;
            for (int x = 0; x < w; x++) {
                out[o + x] = (byte) ((sums[x] + k / 2) / k);
                sums[x] += (in[add + x] & 0xff) - (in[sub + x] & 0xff);
            }
        }
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    }
}
