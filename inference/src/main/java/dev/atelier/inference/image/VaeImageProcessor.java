package dev.atelier.inference.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;

/**
 * Image ↔ tensor conversions of diffusers' {@code VaeImageProcessor} as the Qwen-Image pipelines configure it
 * ({@code vae_scale_factor = 16}, resize with Lanczos, normalise to [-1, 1]):
 * <ul>
 *   <li>{@link #preprocess}: optional Lanczos resize ({@link PilResize}, bit-exact with Pillow), then
 *       {@code pil_to_numpy} ({@code uint8 → float32 / 255}) and {@code normalize} ({@code 2 x - 1}), as
 *       {@code [1, 3, H, W]} float32;</li>
 *   <li>{@link #postprocess}: {@code denormalize} ({@code (x / 2 + 0.5).clamp(0, 1)}) and {@code numpy_to_pil}
 *       ({@code (x * 255).round()} — round half to even — {@code .astype(uint8)}).</li>
 * </ul>
 * The alpha channel never reaches the VAE: {@link RgbImage} keeps it aside and {@link #postprocess(NDArray, byte[],
 * int, int)} puts it back (resized with Lanczos when the output size differs).
 *
 * <p>Ported from diffusers src/diffusers/image_processor.py @58eb52c0803ea9af3abec60841c2a093bdf1f951
 * ({@code VaeImageProcessor.preprocess / postprocess / pil_to_numpy / numpy_to_pil / normalize / denormalize}).
 */
public final class VaeImageProcessor {
    private VaeImageProcessor() {}

    /** {@code [1, 3, H, W]} float32 in [-1, 1] of an RGB image, without resizing. */
    public static NDArray preprocess(RgbImage img, NDManager manager) {
        int n = img.width() * img.height();
        float[] planar = new float[3 * n];
        byte[] rgb = img.rgb();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[i * 3 + c] & 0xff) / 255.0f;
                planar[c * n + i] = 2.0f * v - 1.0f;
            }
        }
        return manager.create(planar, new Shape(1, 3, img.height(), img.width()));
    }

    /** Resizes to {@code width × height} (Pillow Lanczos, skipped when already that size), then preprocesses. */
    public static NDArray preprocess(RgbImage img, int width, int height, NDManager manager) {
        return preprocess(img.resized(width, height), manager);
    }

    /** {@link #preprocess(RgbImage, NDManager)} of a {@link BufferedImage} (alpha dropped: see {@link RgbImage}). */
    public static NDArray preprocess(BufferedImage img, NDManager manager) {
        return preprocess(RgbImage.from(img), manager);
    }

    /**
     * Decoded pixels {@code [1, 3, (1,) H, W]} in [-1, 1] (any dtype, any device) → 8-bit RGB, exactly as
     * {@code postprocess(output_type="pil")}.
     */
    public static RgbImage postprocess(NDArray decoded) {
        Shape s = decoded.getShape();
        int d = s.dimension();
        if ((d != 4 && d != 5) || s.get(0) != 1 || s.get(1) != 3 || (d == 5 && s.get(2) != 1)) {
            throw new IllegalArgumentException("postprocess takes one image [1, 3, H, W] or [1, 3, 1, H, W], got " + s);
        }
        int h = (int) s.get(d - 2);
        int w = (int) s.get(d - 1);
        float[] planar;
        try (NDArray cpu = decoded.toDevice(ai.djl.Device.cpu(), true);
                NDArray f = cpu.toType(DataType.FLOAT32, true)) {
            planar = f.toFloatArray();
        }
        int n = w * h;
        byte[] rgb = new byte[3 * n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = toByte(denormalize(planar[c * n + i]));
            }
        }
        return new RgbImage(w, h, rgb, null);
    }

    /**
     * As {@link #postprocess(NDArray)}, restoring an alpha channel of {@code alphaWidth × alphaHeight} (resized to
     * the output with Lanczos when the sizes differ; {@code null}: opaque).
     */
    public static RgbImage postprocess(NDArray decoded, byte[] alpha, int alphaWidth, int alphaHeight) {
        RgbImage out = postprocess(decoded);
        if (alpha == null) {
            return out;
        }
        byte[] a = alphaWidth == out.width() && alphaHeight == out.height() ? alpha
                : PilResize.lanczos(alpha, alphaWidth, alphaHeight, 1, out.width(), out.height());
        return out.withAlpha(a);
    }

    /** {@code (x / 2 + 0.5).clamp(0, 1)} in float32. */
    static float denormalize(float x) {
        float v = x / 2.0f + 0.5f;
        return v < 0f ? 0f : Math.min(v, 1f);
    }

    /** {@code (x * 255).round().astype("uint8")} of a value in [0, 1] (numpy rounds half to even). */
    static byte toByte(float v01) {
        float scaled = v01 * 255.0f;
        return (byte) (int) Math.rint(scaled);
    }
}
