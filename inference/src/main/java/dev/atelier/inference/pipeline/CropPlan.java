package dev.atelier.inference.pipeline;

/**
 * Where to edit a photo larger than the model's working size: a rectangle around the mask with context, so a 24 MP
 * photo keeps its resolution (only the crop is resized to the working size, edited, resized back and stitched).
 *
 * @param x      left edge in photo pixels
 * @param y      top edge
 * @param width  crop width
 * @param height crop height
 */
public record CropPlan(int x, int y, int width, int height) {
    /** Context kept around the mask's bounding box, as a fraction of its larger side (at least {@link #MIN_CONTEXT}). */
    public static final double CONTEXT = 0.25;
    public static final int MIN_CONTEXT = 32;

    /**
     * The crop for a mask on a {@code w}×{@code h} photo, or the whole photo when it is no bigger than
     * {@code workingArea} pixels or the mask is empty.
     */
    public static CropPlan around(byte[] mask, int w, int h, long workingArea) {
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x] != 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0 || (long) w * h <= workingArea) {
            return new CropPlan(0, 0, w, h);
        }
        int bw = x1 - x0 + 1;
        int bh = y1 - y0 + 1;
        int pad = (int) Math.max(MIN_CONTEXT, Math.round(CONTEXT * Math.max(bw, bh)));
        int cx0 = Math.max(0, x0 - pad);
        int cy0 = Math.max(0, y0 - pad);
        int cx1 = Math.min(w, x1 + 1 + pad);
        int cy1 = Math.min(h, y1 + 1 + pad);
        // Never smaller than 256 px a side where the photo allows: tiny crops upscale badly.
        int minSide = 256;
        if (cx1 - cx0 < minSide) {
            int grow = minSide - (cx1 - cx0);
            cx0 = Math.max(0, cx0 - grow / 2);
            cx1 = Math.min(w, cx0 + minSide);
            cx0 = Math.max(0, cx1 - minSide);
        }
        if (cy1 - cy0 < minSide) {
            int grow = minSide - (cy1 - cy0);
            cy0 = Math.max(0, cy0 - grow / 2);
            cy1 = Math.min(h, cy0 + minSide);
            cy0 = Math.max(0, cy1 - minSide);
        }
        return new CropPlan(cx0, cy0, cx1 - cx0, cy1 - cy0);
    }

    public boolean isWholeImage(int w, int h) {
        return x == 0 && y == 0 && width == w && height == h;
    }
}
