package dev.atelier.inference.image;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;

/**
 * Image ↔ tensor conversions of diffusers' {@code VaeImageProcessor} as the Qwen-Image pipelines configure it
 * ({@code vae_scale_factor = 16}, resize with Lanczos, normalise to [-1, 1]):
 * <ul>
 *   <li>{@link #resize}: Pillow's {@code Image.resize(size, LANCZOS)}, bit-exact ({@link Resample});</li>
 *   <li>{@link #preprocess}: {@code pil_to_numpy} ({@code uint8 → float32 / 255}) and {@code normalize}
 *       ({@code 2 x - 1}), as {@code [1, 3, H, W]} float32;</li>
 *   <li>{@link #postprocess}: {@code denormalize} ({@code (x / 2 + 0.5).clamp(0, 1)}) and {@code numpy_to_pil}
 *       ({@code (x * 255).round()} — round half to even — {@code .astype(uint8)}).</li>
 * </ul>
 * Alpha never reaches the VAE (the RGB channels are read, alpha ignored); keep it with {@link Alpha#extract} and put
 * it back with {@link #postprocess(NDArray, byte[], int, int)}.
 *
 * <p>Ported from diffusers src/diffusers/image_processor.py @58eb52c0803ea9af3abec60841c2a093bdf1f951
 * ({@code VaeImageProcessor.resize / preprocess / postprocess / pil_to_numpy / numpy_to_pil / normalize /
 * denormalize}).
 */
public final class VaeImageProcessor {
    private VaeImageProcessor() {}

    /** Lanczos resize of RGB (and of alpha, separately); returns {@code img} itself when the size is unchanged. */
    public static RgbImage resize(RgbImage img, int width, int height) {
        if (width == img.width() && height == img.height()) {
            return img;
        }
        ImageLimits.check("the resized image", width, height, 4 + 12);
        byte[] rgb = Resample.lanczos(img.toRgbBytes(), img.width(), img.height(), 3, width, height);
        RgbImage out = RgbImage.fromRgbBytes(width, height, rgb);
        byte[] alpha = Alpha.extract(img);
        return alpha == null ? out : Alpha.restore(out, alpha, img.width(), img.height());
    }

    /** The mask processor's Lanczos resize of a gray mask; returns {@code mask} itself when the size is unchanged. */
    public static MaskImage resize(MaskImage mask, int width, int height) {
        if (width == mask.width() && height == mask.height()) {
            return mask;
        }
        return new MaskImage(width, height, Resample.lanczos(mask.values(), mask.width(), mask.height(), 1, width,
                height));
    }

    /** {@code [1, 3, H, W]} float32 in [-1, 1] of an image's RGB, without resizing. */
    public static NDArray preprocess(RgbImage img, NDManager manager) {
        ImageLimits.check("the image", img.width(), img.height(), 12);
        int n = img.width() * img.height();
        float[] planar = new float[3 * n];
        int[] p = img.argb();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                float v = ((p[i] >> (16 - 8 * c)) & 0xFF) / 255.0f;
                planar[c * n + i] = 2.0f * v - 1.0f;
            }
        }
        return manager.create(planar, new Shape(1, 3, img.height(), img.width()));
    }

    /** Resizes to {@code width × height} (skipped when already that size), then preprocesses. */
    public static NDArray preprocess(RgbImage img, int width, int height, NDManager manager) {
        return preprocess(resize(img, width, height), manager);
    }

    /**
     * Decoded pixels {@code [1, 3, (1,) H, W]} in [-1, 1] (any dtype, any device) → opaque 8-bit RGB, exactly as
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
        try (NDArray cpu = decoded.toDevice(Device.cpu(), true); NDArray f = cpu.toType(DataType.FLOAT32, true)) {
            planar = f.toFloatArray();
        }
        int n = w * h;
        int[] argb = new int[n];
        for (int i = 0; i < n; i++) {
            argb[i] = 0xFF000000 | toByte(denormalize(planar[i])) << 16 | toByte(denormalize(planar[n + i])) << 8
                    | toByte(denormalize(planar[2 * n + i]));
        }
        return new RgbImage(w, h, argb);
    }

    /**
     * As {@link #postprocess(NDArray)}, restoring an alpha plane of {@code alphaWidth × alphaHeight} ({@code null}:
     * opaque), resized to the output with Lanczos when the sizes differ.
     */
    public static RgbImage postprocess(NDArray decoded, byte[] alpha, int alphaWidth, int alphaHeight) {
        RgbImage out = postprocess(decoded);
        return alpha == null ? out : Alpha.restore(out, alpha, alphaWidth, alphaHeight);
    }

    /** {@code (x / 2 + 0.5).clamp(0, 1)} in float32. */
    static float denormalize(float x) {
        float v = x / 2.0f + 0.5f;
        return v < 0f ? 0f : Math.min(v, 1f);
    }

    /** {@code (x * 255).round().astype("uint8")} of a value in [0, 1] (numpy rounds half to even). */
    static int toByte(float v01) {
        return (int) Math.rint(v01 * 255.0f);
    }
}
