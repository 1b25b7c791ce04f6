package dev.atelier.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.api.RgbImage;
import org.junit.jupiter.api.Test;

class LatentPreviewTest {
    @Test
    void zeroLatentsGiveTheBiasColour() {
        RgbImage img = LatentPreview.fromPacked(new float[3 * 5 * 64], 3, 5);
        assertEquals(10, img.width());
        assertEquals(6, img.height());
        int r = (int) ((LatentPreview.RGB_BIAS[0] + 1) / 2 * 255);
        assertEquals(r, img.rgb(9, 5) >> 16);
    }

    @Test
    void pixelsFollowTheLatentGridOfTheUnpackedTensor() {
        // one channel set at one latent pixel: the preview must light up exactly where Latents.unpack puts it
        int th = 2;
        int tw = 3;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] grid = new float[16 * (2 * th) * (2 * tw)];
            int c = 14;
            int y = 3;
            int x = 4;
            grid[(c * 2 * th + y) * 2 * tw + x] = 1f;
            NDArray packed = Latents.pack(m.create(grid, new Shape(1, 16, 2 * th, 2 * tw)));
            RgbImage img = LatentPreview.fromPacked(packed.toFloatArray(), th, tw);
            RgbImage base = LatentPreview.fromPacked(new float[th * tw * 64], th, tw);
            for (int py = 0; py < img.height(); py++) {
                for (int px = 0; px < img.width(); px++) {
                    boolean lit = px == x && py == y;
                    assertEquals(!lit, img.rgb(px, py) == base.rgb(px, py), "pixel " + px + "," + py);
                }
            }
        }
    }

    @Test
    void x0AndSizeChecks() {
        float[] x0 = LatentPreview.x0(new float[] {1f, 2f}, new float[] {0.5f, -1f}, 0.5f);
        assertEquals(0.75f, x0[0]);
        assertEquals(2.5f, x0[1]);
        assertThrows(IllegalArgumentException.class, () -> LatentPreview.fromPacked(new float[10], 2, 2));
    }
}
