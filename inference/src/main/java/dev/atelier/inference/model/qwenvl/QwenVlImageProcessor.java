package dev.atelier.inference.model.qwenvl;

import dev.atelier.inference.image.Resample;
import dev.atelier.inference.image.RgbBytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2-VL image processor as transformers 5.17 runs it by default (the torchvision backend of
 * {@code Qwen2VLImageProcessor}), per image:
 *
 * <ol>
 *   <li>{@code convert_to_rgb} (PIL {@code convert("RGB")}: {@link RgbBytes#of} of an image read by
 *       {@link dev.atelier.inference.image.BufferedImages});</li>
 *   <li>{@link #smartResize} to multiples of {@code patch_size * merge_size} within [min_pixels, max_pixels];</li>
 *   <li>{@code tvF.resize(uint8, BICUBIC, antialias=True)}: torch's uint8 antialiased kernel, reproduced bit for
 *       bit by {@link Resample} ({@link Resample.Quantization#TORCH_INT16});</li>
 *   <li>fused rescale + normalise in float32: {@code (x - mean/r) / (std/r)} with {@code mean/r} computed as
 *       {@code float32(mean) * float32(1/r)};</li>
 *   <li>the single frame repeated to {@code temporal_patch_size}, then patchified to rows
 *       {@code (t, h/merge, w/merge, merge_h, merge_w)} × columns {@code (channel, temporal, patch_h, patch_w)}.</li>
 * </ol>
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_vl/image_processing_qwen2_vl.py and
// src/transformers/image_processing_backends.py (TorchvisionBackend)
public final class QwenVlImageProcessor {
    private final ImageProcessorConfig config;

    public QwenVlImageProcessor(ImageProcessorConfig config) {
        this.config = config;
    }

    /** Reads {@code processor_config.json} / {@code preprocessor_config.json} of a processor folder. */
    public static QwenVlImageProcessor fromFolder(Path dir) {
        return new QwenVlImageProcessor(ImageProcessorConfig.fromFolder(dir));
    }

    public ImageProcessorConfig config() {
        return config;
    }

    /** Processes RGB images; pixel rows of all images are concatenated in input order. */
    public PixelPatches processRgb(List<RgbBytes> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to process");
        }
        int cols = 3 * config.temporalPatchSize() * config.patchSize() * config.patchSize();
        List<float[]> parts = new ArrayList<>();
        long[][] grids = new long[images.size()][];
        long rows = 0;
        for (int i = 0; i < images.size(); i++) {
            RgbBytes img = images.get(i);
            int h = img.height();
            int w = img.width();
            if (config.doResize()) {
                int[] hw = smartResize(h, w, config.factor(), config.minPixels(), config.maxPixels());
                Resample.Filter filter = config.resample() == 2 ? Resample.Filter.BILINEAR : Resample.Filter.BICUBIC;
                img = img.resize(hw[1], hw[0], filter, Resample.Quantization.TORCH_INT16);
                h = hw[0];
                w = hw[1];
            } else if (h % config.factor() != 0 || w % config.factor() != 0) {
                throw new IllegalArgumentException("image " + i + " is " + w + "x" + h + " but do_resize is false and "
                        + "the sides must be multiples of " + config.factor());
            }
            float[] chw = normalize(img);
            int gh = h / config.patchSize();
            int gw = w / config.patchSize();
            grids[i] = new long[] {1, gh, gw};
            parts.add(patchify(chw, h, w, gh, gw, cols));
            rows += (long) gh * gw;
        }
        float[] all = new float[Math.toIntExact(rows * cols)];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return new PixelPatches(all, new long[] {rows, cols}, grids);
    }

    /** {@code [3, H, W]} float32 after rescale/normalise, with torchvision's float32 operation order. */
    float[] normalize(RgbBytes img) {
        int hw = img.width() * img.height();
        float[] out = new float[3 * hw];
        byte[] rgb = img.rgb();
        float[] mean = new float[3];
        float[] std = new float[3];
        boolean fused = config.doRescale() && config.doNormalize();
        float inv = (float) (1.0 / config.rescaleFactor());
        for (int c = 0; c < 3; c++) {
            mean[c] = fused ? (float) config.imageMean()[c] * inv : (float) config.imageMean()[c];
            std[c] = fused ? (float) config.imageStd()[c] * inv : (float) config.imageStd()[c];
        }
        float scale = (float) config.rescaleFactor();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < hw; i++) {
                float x = rgb[i * 3 + c] & 0xff;
                float v;
                if (config.doNormalize()) {
                    v = (x - mean[c]) / std[c];
                } else if (config.doRescale()) {
                    v = x * scale;
                } else {
                    v = x;
                }
                out[c * hw + i] = v;
            }
        }
        return out;
    }

    /** Rows {@code (hb, wb, mh, mw)}, columns {@code (c, tp, py, px)}; the frame is repeated over {@code tp}. */
    private float[] patchify(float[] chw, int h, int w, int gh, int gw, int cols) {
        int p = config.patchSize();
        int m = config.mergeSize();
        int tps = config.temporalPatchSize();
        if (gh % m != 0 || gw % m != 0) {
            throw new IllegalArgumentException("patch grid " + gh + "x" + gw + " is not a multiple of merge_size " + m);
        }
        float[] out = new float[gh * gw * cols];
        int row = 0;
        for (int hb = 0; hb < gh / m; hb++) {
            for (int wb = 0; wb < gw / m; wb++) {
                for (int mh = 0; mh < m; mh++) {
                    for (int mw = 0; mw < m; mw++) {
                        int y0 = (hb * m + mh) * p;
                        int x0 = (wb * m + mw) * p;
                        int col = 0;
                        int base = row * cols;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < tps; t++) {
                                for (int py = 0; py < p; py++) {
                                    System.arraycopy(chw, c * h * w + (y0 + py) * w + x0, out, base + col, p);
                                    col += p;
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
        return out;
    }

    /**
     * transformers 5.17 {@code smart_resize}: returns {@code {height, width}}, both multiples of {@code factor}, area
     * within [minPixels, maxPixels], aspect ratio kept as closely as possible. Python's {@code round} (half to even).
     *
     * @throws IllegalArgumentException when the aspect ratio exceeds 200 (transformers raises the same), e.g. a
     *     1-pixel-wide strip
     */
    public static int[] smartResize(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > 200) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "the image is %dx%d pixels: its aspect ratio %.1f:1 exceeds the 200:1 the Qwen2-VL image processor "
                            + "accepts (transformers raises 'absolute aspect ratio must be smaller than 200'); crop or pad it",
                    width, height, ratio));
        }
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new int[] {Math.toIntExact(hBar), Math.toIntExact(wBar)};
    }
}
