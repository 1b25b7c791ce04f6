package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PipelineMathTest {
    @Test
    void calculateDimensionsRoundsLikePython() {
        assertEquals(new Dimensions.Size(1024, 1024), Dimensions.calculateDimensions(1024 * 1024, 1.0));
        assertEquals(new Dimensions.Size(384, 384), Dimensions.calculateDimensions(384 * 384, 1.0));
        // 1024²·(3/2): w = 1254.1 → 1248, h = 836.1 → 832
        assertEquals(new Dimensions.Size(1248, 832), Dimensions.calculateDimensions(1024 * 1024, 1.5));
        // round half to even: 16/32 = 0.5 → 0, 48/32 = 1.5 → 2
        assertEquals(0, (int) Math.rint(0.5) * 32);
        assertEquals(64, (int) Math.rint(1.5) * 32);
    }

    @Test
    void packUnpackRoundTripAndTokenOrder() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.arange(2 * 3 * 4 * 6).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).reshape(2, 3, 1, 4, 6);
            NDArray p = Latents.pack(x);
            assertEquals(new Shape(2, 6, 12), p.getShape());
            // token 0 of sample 0: channel 0's 2×2 patch at the top-left, then channel 1's, ...
            float[] t0 = p.get("0,0,:").toFloatArray();
            assertArrayEquals(new float[] {0, 1, 6, 7, 24, 25, 30, 31, 48, 49, 54, 55}, t0);
            assertArrayEquals(x.toFloatArray(), Latents.unpack(p, 4, 6).toFloatArray());
        }
    }

    @Test
    void compositeKeepsUnmaskedPixelsBitIdentical() {
        int w = 64;
        int h = 48;
        SplittableRandom r = new SplittableRandom(7);
        int[] orig = new int[w * h];
        int[] gen = new int[w * h];
        byte[] mask = new byte[w * h];
        for (int i = 0; i < orig.length; i++) {
            orig[i] = 0xFF000000 | r.nextInt(1 << 24);
            gen[i] = 0xFF000000 | r.nextInt(1 << 24);
        }
        for (int y = 10; y < 40; y++) {
            for (int x = 20; x < 50; x++) {
                mask[y * w + x] = (byte) 255;
            }
        }
        int[] out = MaskComposite.composite(orig, gen, mask, w, h, 4);
        for (int i = 0; i < out.length; i++) {
            if (mask[i] == 0) {
                assertEquals(orig[i], out[i], "unmasked pixel " + i);
            }
        }
        // deep inside the mask the generated pixel wins; on the border it is blended
        assertEquals(gen[25 * w + 35], out[25 * w + 35]);
        assertNotEquals(gen[10 * w + 35], out[10 * w + 35]);
    }

    @Test
    void cropPlanKeepsSmallPhotosWholeAndCropsLargeOnes() {
        byte[] mask = new byte[100 * 80];
        mask[40 * 100 + 50] = 1;
        assertTrue(CropPlan.around(mask, 100, 80, 1024 * 1024).isWholeImage(100, 80));
        int w = 6000;
        int h = 4000;
        byte[] big = new byte[w * h];
        for (int y = 1000; y < 1400; y++) {
            for (int x = 3000; x < 3600; x++) {
                big[y * w + x] = (byte) 255;
            }
        }
        CropPlan c = CropPlan.around(big, w, h, 1024 * 1024);
        assertTrue(c.x() <= 3000 && c.x() + c.width() >= 3600 && c.y() <= 1000 && c.y() + c.height() >= 1400, c.toString());
        assertTrue((long) c.width() * c.height() < (long) w * h / 4, c.toString());
    }
}
