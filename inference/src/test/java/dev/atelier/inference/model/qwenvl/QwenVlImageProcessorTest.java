package dev.atelier.inference.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.image.BufferedImages;
import dev.atelier.inference.image.Resample;
import dev.atelier.inference.image.RgbBytes;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** smart_resize, patch order, colour conversion and bad images. */
class QwenVlImageProcessorTest {
    private static final ImageProcessorConfig CFG = ImageProcessorConfig.defaults();

    @Test
    void smartResizeMatchesTransformers() {
        // Values computed by hand from transformers 5.17 smart_resize (factor 28, 3136..12845056).
        assertArrayEquals(new int[] {392, 392}, QwenVlImageProcessor.smartResize(384, 384, 28, 3136, 12845056));
        assertArrayEquals(new int[] {56, 56}, QwenVlImageProcessor.smartResize(1, 1, 28, 3136, 12845056));
        // round half to even: 42/28 = 1.5 -> 2, 70/28 = 2.5 -> 2
        assertArrayEquals(new int[] {56, 56}, QwenVlImageProcessor.smartResize(42, 70, 28, 3136, 12845056));
        // 1-pixel-wide strip within 200:1 grows to the minimum area
        assertArrayEquals(new int[] {560, 28}, QwenVlImageProcessor.smartResize(100, 1, 28, 3136, 12845056));
        // over max_pixels: 4000x3000 with the 1280-token default -> floor to factor
        int[] big = QwenVlImageProcessor.smartResize(3000, 4000, 28, 3136, 28 * 28 * 1280);
        assertTrue((long) big[0] * big[1] <= 28 * 28 * 1280);
        assertEquals(0, big[0] % 28);
        assertArrayEquals(new int[] {840, 1148}, big);
    }

    @Test
    void aspectRatioBeyond200IsAClearError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> QwenVlImageProcessor.smartResize(300, 1, 28, 3136, 12845056));
        assertTrue(e.getMessage().contains("200"), e.getMessage());
        assertTrue(e.getMessage().contains("1x300"), e.getMessage());
        var proc = new QwenVlImageProcessor(CFG);
        assertThrows(IllegalArgumentException.class, () -> proc.processRgb(List.of(solid(1, 500, 10))));
    }

    @Test
    void patchOrderIsMergeBlockMajorThenChannelTimePatch() {
        // 56x56 image (no resize), value encodes (c, y, x): check a few rows/columns against the torch permute.
        ImageProcessorConfig cfg = new ImageProcessorConfig(false, 3, false, 1, false, new double[] {0, 0, 0},
                new double[] {1, 1, 1}, true, 3136, 12845056, 14, 2, 2);
        int n = 56;
        byte[] rgb = new byte[n * n * 3];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * n + x) * 3 + c] = (byte) ((c * 80 + y * 3 + x) % 256);
                }
            }
        }
        PixelPatches p = new QwenVlImageProcessor(cfg).processRgb(List.of(new RgbBytes(n, n, rgb)));
        assertArrayEquals(new long[] {16, 3 * 2 * 14 * 14}, p.shape());
        assertArrayEquals(new long[] {1, 4, 4}, p.gridThw()[0]);
        int cols = 3 * 2 * 14 * 14;
        // row r = ((hb * (gw/m) + wb) * m + mh) * m + mw; column = ((c * T + t) * P + py) * P + px
        for (int[] probe : new int[][] {{0, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 1, 0, 1, 1, 2, 3}, {1, 1, 1, 1, 2, 0, 13, 13},
                {0, 1, 0, 1, 1, 1, 5, 7}}) {
            int hb = probe[0], wb = probe[1], mh = probe[2], mw = probe[3], c = probe[4], t = probe[5], py = probe[6],
                    px = probe[7];
            int row = ((hb * 2 + wb) * 2 + mh) * 2 + mw;
            int col = ((c * 2 + t) * 14 + py) * 14 + px;
            int y = (hb * 2 + mh) * 14 + py;
            int x = (wb * 2 + mw) * 14 + px;
            assertEquals((c * 80 + y * 3 + x) % 256, p.pixelValues()[row * cols + col], 0f);
        }
    }

    @Test
    void normalisationUsesFusedFloat32MeanAndStd() {
        PixelPatches p = new QwenVlImageProcessor(CFG).processRgb(List.of(solid(56, 56, 200)));
        float m = (float) 0.48145466 * 255f;
        float s = (float) 0.26862954 * 255f;
        assertEquals((200f - m) / s, p.pixelValues()[0], 0f);
    }

    @Test
    void greyAlphaSixteenBitCmykAndPaletteBecomeRgb() {
        // AWT images reach the processor through BufferedImages (the engine's one conversion) and RgbBytes.of
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 10);
        grey.getRaster().setSample(1, 0, 0, 250);
        assertArrayEquals(new byte[] {10, 10, 10, (byte) 250, (byte) 250, (byte) 250}, rgb(grey, 2));

        BufferedImage grey16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 0x1234);
        assertArrayEquals(new byte[] {0x12, 0x12, 0x12}, rgb(grey16, 1));

        BufferedImage argb = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00102030); // fully transparent: PIL convert("RGB") drops alpha, keeps the colour
        assertArrayEquals(new byte[] {0x10, 0x20, 0x30}, rgb(argb, 1));
        BufferedImage abgr = new BufferedImage(16, 16, BufferedImage.TYPE_4BYTE_ABGR);
        abgr.getRaster().setPixel(0, 0, new int[] {1, 2, 3, 0});
        assertArrayEquals(new byte[] {1, 2, 3}, rgb(abgr, 1));

        ComponentColorModel cmykModel = new ComponentColorModel(new SimpleCmyk(), false, false,
                java.awt.Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster cr = cmykModel.createCompatibleWritableRaster(16, 16);
        cr.setPixel(0, 0, new int[] {255, 0, 128, 51});
        BufferedImage cmyk = new BufferedImage(cmykModel, cr, false, null);
        assertEquals(3, rgb(cmyk, 1).length); // CMYK goes through Java's colour conversion

        IndexColorModel pal = new IndexColorModel(8, 2, new byte[] {5, 6}, new byte[] {7, 8}, new byte[] {9, 10});
        BufferedImage indexed = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED, pal);
        indexed.getRaster().setSample(0, 0, 0, 1);
        assertArrayEquals(new byte[] {6, 8, 10}, rgb(indexed, 1));

        BufferedImage rgb16 = new BufferedImage(new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                false, false, java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT),
                Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, 16, 16, 3, null), false, null);
        rgb16.getRaster().setPixel(0, 0, new int[] {0xff00, 0x0100, 0x80ff});
        // 16-bit samples are scaled with rounding: (v * 255 + 32767) / 65535
        assertArrayEquals(new byte[] {(byte) 254, 1, (byte) 0x80}, rgb(rgb16, 1));

        // and the processor takes them all
        var proc = new QwenVlImageProcessor(CFG);
        PixelPatches p = proc.processRgb(List.of(grey, grey16, argb, cmyk, indexed, rgb16).stream()
                .map(i -> RgbBytes.of(BufferedImages.toRgbImage(i))).toList());
        assertEquals(6, p.gridThw().length);
    }

    @Test
    void resampleKeepsConstantsAndSkipsUnchangedAxes() {
        RgbBytes c = solid(37, 23, 91);
        for (Resample.Quantization q : Resample.Quantization.values()) {
            RgbBytes up = resize(c, 80, 50, Resample.Filter.BICUBIC, q);
            RgbBytes down = resize(c, 9, 7, Resample.Filter.BICUBIC, q);
            for (byte b : up.rgb()) {
                assertEquals(91, b & 0xff);
            }
            for (byte b : down.rgb()) {
                assertEquals(91, b & 0xff);
            }
        }
        RgbBytes noise = random(40, 30, 7);
        assertEquals(noise, resize(noise, 40, 30, Resample.Filter.BICUBIC, Resample.Quantization.TORCH_INT16));
        RgbBytes wide = resize(noise, 55, 30, Resample.Filter.BICUBIC, Resample.Quantization.PIL);
        assertEquals(55, wide.width());
        // the two quantisations are different algorithms: on a random downscale they disagree somewhere
        RgbBytes a = resize(random(301, 211, 3), 97, 64, Resample.Filter.BICUBIC, Resample.Quantization.PIL);
        RgbBytes b = resize(random(301, 211, 3), 97, 64, Resample.Filter.BICUBIC, Resample.Quantization.TORCH_INT16);
        assertNotEquals(a, b);
        int maxDiff = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff)));
        }
        assertTrue(maxDiff <= 1, "PIL and torch bicubic differ by at most one level: " + maxDiff);
    }

    @Test
    void conditionImageSizing() {
        assertEquals(new RgbBytes(384, 384, new byte[384 * 384 * 3]).width(),
                ConditionImages.conditionImage(solid(64, 64, 0)).width());
        RgbBytes c = ConditionImages.conditionImage(solid(400, 300, 0)); // 4:3 -> 448x320 (diffusers rounding)
        assertEquals(448, c.width());
        assertEquals(320, c.height());
        RgbBytes strip = solid(5000, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> ConditionImages.conditionImage(strip));
    }

    private static RgbBytes resize(RgbBytes in, int w, int h, Resample.Filter f, Resample.Quantization q) {
        return in.resize(w, h, f, q);
    }

    /** The first {@code pixels} RGB pixels of {@code img} (16x16: the smallest size the engine takes). */
    private static byte[] rgb(BufferedImage img, int pixels) {
        return java.util.Arrays.copyOf(RgbBytes.of(BufferedImages.toRgbImage(img)).rgb(), 3 * pixels);
    }

    static RgbBytes solid(int w, int h, int v) {
        byte[] b = new byte[w * h * 3];
        java.util.Arrays.fill(b, (byte) v);
        return new RgbBytes(w, h, b);
    }

    static RgbBytes random(int w, int h, long seed) {
        byte[] b = new byte[w * h * 3];
        new Random(seed).nextBytes(b);
        return new RgbBytes(w, h, b);
    }

    /** A device CMYK space for the test (the JDK has no built-in CMYK ColorSpace without an ICC profile). */
    static final class SimpleCmyk extends ColorSpace {
        SimpleCmyk() {
            super(TYPE_CMYK, 4);
        }

        @Override
        public float[] toRGB(float[] v) {
            return new float[] {(1 - v[0]) * (1 - v[3]), (1 - v[1]) * (1 - v[3]), (1 - v[2]) * (1 - v[3])};
        }

        @Override
        public float[] fromRGB(float[] rgb) {
            return new float[] {1 - rgb[0], 1 - rgb[1], 1 - rgb[2], 0};
        }

        @Override
        public float[] toCIEXYZ(float[] v) {
            return ColorSpace.getInstance(CS_sRGB).toCIEXYZ(toRGB(v));
        }

        @Override
        public float[] fromCIEXYZ(float[] v) {
            return fromRGB(ColorSpace.getInstance(CS_sRGB).fromCIEXYZ(v));
        }
    }
}
