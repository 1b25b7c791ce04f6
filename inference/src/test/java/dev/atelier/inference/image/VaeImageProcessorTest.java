package dev.atelier.inference.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import dev.atelier.inference.pipeline.Dimensions;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conversions against the pipelines' recorded VAE inputs, plus rounding, alpha, colour models and bad sizes. */
class VaeImageProcessorTest {
    private static final Fixture FIXTURE = FixtureSupport.fixture();

    private static RgbImage inputImage() throws IOException {
        return ImageFiles.readRgb(FIXTURE.dir().resolve("reference/input_image.png"));
    }

    @Test
    void preprocessMatchesInpaintPipelineInput() throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                SafetensorsFile ref = FIXTURE.openReference("pipeline_inpaint_t2i")) {
            NDArray expected = ref.load("vae_input", m, DataType.FLOAT32);
            Shape s = expected.getShape();
            RgbImage img = inputImage();
            Dimensions.Size size = VaeSizePolicy.processorSize((int) s.get(4), (int) s.get(3));
            NDArray x = VaeImageProcessor.preprocess(img, size.width(), size.height(), m).expandDims(2);
            ParityResult r = Parity.compare("vae_input", x, expected, Tolerance.EXACT);
            assertTrue(r.ok(), r.line());
        }
    }

    @Test
    void lanczosResizeAndPreprocessMatchEditPipelineInput() throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                SafetensorsFile ref = FIXTURE.openReference("pipeline_edit")) {
            long[] shape = ref.load("vae_input_shape", m, DataType.INT64).toLongArray();
            RgbImage img = inputImage();
            Dimensions.Size size = VaeSizePolicy.editVaeImageSize(img.width(), img.height());
            assertEquals(shape[4], size.width());
            assertEquals(shape[3], size.height());
            NDArray x = VaeImageProcessor.preprocess(img, size.width(), size.height(), m).expandDims(2);
            NDArray crop = ref.load("vae_input_crop64", m, DataType.FLOAT32);
            long ch = crop.getShape().get(3);
            long cw = crop.getShape().get(4);
            ParityResult r1 = Parity.compare("vae_input_crop64",
                    x.get(new NDIndex(":, :, :, :{}, :{}", ch, cw)), crop, Tolerance.EXACT);
            NDArray stride = ref.load("vae_input_stride16", m, DataType.FLOAT32);
            ParityResult r2 = Parity.compare("vae_input_stride16",
                    x.get(new NDIndex(":, :, :, ::16, ::16")), stride, Tolerance.EXACT);
            assertTrue(r1.ok(), r1.line());
            assertTrue(r2.ok(), r2.line());
            double[] stats = ref.load("vae_input_stats", m, DataType.FLOAT64).toDoubleArray();
            double[] v = x.toType(DataType.FLOAT64, false).toDoubleArray();
            double sum = 0;
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (double d : v) {
                sum += d;
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            assertEquals(stats[0], sum, 1e-6 * v.length, "sum");
            assertEquals(stats[3], min, 0, "min");
            assertEquals(stats[4], max, 0, "max");
        }
    }

    @Test
    void postprocessRoundsHalfToEvenLikeNumpy() {
        // x in [-1, 1] → (x/2 + 0.5) clamped → *255 → round half to even
        assertEquals(0, VaeImageProcessor.toByte(VaeImageProcessor.denormalize(-1.5f)));
        assertEquals(255, VaeImageProcessor.toByte(VaeImageProcessor.denormalize(1.5f)));
        assertEquals(0, VaeImageProcessor.toByte(0.5f / 255f));        // 0.5 → 0
        assertEquals(2, VaeImageProcessor.toByte(2.5f / 255f));        // 2.5 → 2
        assertEquals(128, VaeImageProcessor.toByte(VaeImageProcessor.denormalize(0f))); // 127.5 → 128
    }

    @Test
    void roundTripKeepsEveryByteAndTheAlpha() {
        int w = 32;
        int h = 16;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 8) & 0xff) << 24 | (x * 7 & 0xff) << 16 | (y * 13 & 0xff) << 8 | (x + y) * 3);
            }
        }
        RgbImage rgb = BufferedImages.toRgbImage(img);
        byte[] alpha = Alpha.extract(rgb);
        assertNotNull(alpha);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray t = VaeImageProcessor.preprocess(rgb, m);
            assertEquals(new Shape(1, 3, h, w), t.getShape());
            RgbImage opaque = VaeImageProcessor.postprocess(t);
            assertArrayEquals(rgb.toRgbBytes(), opaque.toRgbBytes());
            assertNull(Alpha.extract(opaque));
            RgbImage back = VaeImageProcessor.postprocess(t, alpha, w, h);
            BufferedImage out = BufferedImages.toBufferedImage(back);
            assertEquals(BufferedImage.TYPE_INT_ARGB, out.getType());
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertEquals(img.getRGB(x, y), out.getRGB(x, y));
                }
            }
            // alpha restored at another output size: resized with Lanczos (constant alpha stays constant)
            byte[] half = new byte[w * h];
            java.util.Arrays.fill(half, (byte) 128);
            RgbImage resized = VaeImageProcessor.postprocess(t.get(new NDIndex(":, :, :8, :16")), half, w, h);
            assertEquals(16, resized.width());
            for (int p : resized.argb()) {
                assertEquals(128, p >>> 24);
            }
            // resizing an image with alpha resizes both
            RgbImage small = VaeImageProcessor.resize(rgb, 16, 16);
            assertNotNull(Alpha.extract(small));
        }
    }

    @Test
    void grayAnd16BitBecomeRgbWithoutGammaChange() {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(3, 2, 0, 100);
        RgbImage g = BufferedImages.toRgbImage(gray);
        assertEquals(0xFF646464, g.argb()[2 * 16 + 3]);
        assertNull(Alpha.extract(g));

        BufferedImage g16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = g16.getRaster();
        r.setSample(0, 0, 0, 65535);
        r.setSample(1, 0, 0, 257 * 77);
        RgbImage g2 = BufferedImages.toRgbImage(g16);
        assertEquals(0xFFFFFFFF, g2.argb()[0]);
        assertEquals(0xFF4D4D4D, g2.argb()[1]);
    }

    @Test
    void degenerateAndHugeSizesGetAMessage(@TempDir Path dir) throws IOException {
        IllegalArgumentException tiny = assertThrows(IllegalArgumentException.class,
                () -> BufferedImages.toRgbImage(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB)));
        assertTrue(tiny.getMessage().contains("1×1"), tiny.getMessage());
        assertTrue(tiny.getMessage().contains("at least 16×16"), tiny.getMessage());

        // a PNG whose header says 30000×30000: refused from the header, before any pixel buffer exists
        Path png = dir.resolve("huge.png");
        Files.write(png, pngHeader(30000, 30000));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> ImageFiles.read(png));
        assertTrue(huge.getMessage().contains("30000×30000"), huge.getMessage());
        assertTrue(huge.getMessage().contains("downscale"), huge.getMessage());

        assertThrows(IllegalArgumentException.class, () -> VaeSizePolicy.processorSize(15, 400));
        // an engine image of 1×1 (the API accepts it) is refused before it reaches the VAE
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                    () -> VaeImageProcessor.preprocess(RgbImage.filled(1, 1, 0x808080), m));
            assertTrue(one.getMessage().contains("1×1"), one.getMessage());
        }
    }

    @Test
    void sizePolicyFollowsThePipelines() {
        assertEquals(new Dimensions.Size(1024, 1024), VaeSizePolicy.editVaeImageSize(64, 64));
        assertEquals(new Dimensions.Size(1184, 896), VaeSizePolicy.editVaeImageSize(4000, 3000));
        assertEquals(new Dimensions.Size(1008, 752), VaeSizePolicy.outputSize(new Dimensions.Size(1013, 767), 1, 1));
        assertEquals(new Dimensions.Size(1184, 896), VaeSizePolicy.outputSize(null, 4000, 3000));
        assertEquals(new Dimensions.Size(96, 64), VaeSizePolicy.processorSize(100, 70));
        assertTrue(VaeSizePolicy.isVaeReady(96, 64));
    }

    /** PNG signature + IHDR (8-bit RGB) + IEND: enough for a reader to report the size. */
    private static byte[] pngHeader(int w, int h) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        byte[] ihdr = java.nio.ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(w).putInt(h)
                .put(new byte[] {8, 2, 0, 0, 0}).array();
        b.putInt(13).put(ihdr).putInt(crc(ihdr));
        byte[] iend = "IEND".getBytes();
        b.putInt(0).put(iend).putInt(crc(iend));
        return b.array();
    }

    private static int crc(byte[] data) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
