package dev.atelier.inference.model.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vae/config.json} of {@code AutoencoderKLQwenImage}. Defaults are diffusers' {@code __init__} defaults
 * (which are also the released Qwen-Image VAE's values).
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 *
 * @param baseDim            channels of the first stage ({@code base_dim})
 * @param zDim               latent channels ({@code z_dim}); the encoder emits {@code 2 * zDim} (mean, logvar)
 * @param dimMult            channel multipliers per stage ({@code dim_mult})
 * @param numResBlocks       residual blocks per encoder stage ({@code num_res_blocks}; the decoder has one more)
 * @param attnScales         scales with an attention block in the encoder's down path ({@code attn_scales})
 * @param temperalDownsample per down stage, whether it also halves time ({@code temperal_downsample}, sic)
 * @param inputChannels      image channels ({@code input_channels})
 * @param latentsMean        per-channel latent mean used by the pipelines ({@code latents_mean})
 * @param latentsStd         per-channel latent std used by the pipelines ({@code latents_std})
 */
public record QwenImageVaeConfig(int baseDim, int zDim, int[] dimMult, int numResBlocks, double[] attnScales,
        boolean[] temperalDownsample, int inputChannels, float[] latentsMean, float[] latentsStd) {

    /** Resource holding the released Qwen-Image {@code vae/config.json}. */
    public static final String QWEN_IMAGE_RESOURCE = "qwen-image-vae-config.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float[] DEFAULT_MEAN = {-0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f,
        1.5508f, 0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f, 0.2503f, -0.2921f};
    private static final float[] DEFAULT_STD = {2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f,
        2.0743f, 3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f};

    public QwenImageVaeConfig {
        if (baseDim <= 0 || zDim <= 0 || numResBlocks <= 0 || inputChannels <= 0) {
            throw new IllegalArgumentException("vae config: base_dim, z_dim, num_res_blocks and input_channels must be "
                    + "positive (got " + baseDim + ", " + zDim + ", " + numResBlocks + ", " + inputChannels + ")");
        }
        if (dimMult.length < 2 || temperalDownsample.length != dimMult.length - 1) {
            throw new IllegalArgumentException("vae config: temperal_downsample must have len(dim_mult) - 1 = "
                    + (dimMult.length - 1) + " entries, found " + temperalDownsample.length);
        }
        if (latentsMean.length != zDim || latentsStd.length != zDim) {
            throw new IllegalArgumentException("vae config: latents_mean and latents_std need z_dim = " + zDim
                    + " values, found " + latentsMean.length + " and " + latentsStd.length);
        }
        dimMult = dimMult.clone();
        attnScales = attnScales.clone();
        temperalDownsample = temperalDownsample.clone();
        latentsMean = latentsMean.clone();
        latentsStd = latentsStd.clone();
    }

    /** diffusers' defaults ({@code AutoencoderKLQwenImage()}). */
    public static QwenImageVaeConfig defaults() {
        return new QwenImageVaeConfig(96, 16, new int[] {1, 2, 4, 4}, 2, new double[0],
                new boolean[] {false, true, true}, 3, DEFAULT_MEAN, DEFAULT_STD);
    }

    /** The released Qwen-Image VAE config (shipped as a resource). */
    public static QwenImageVaeConfig qwenImage() {
        try (InputStream in = QwenImageVaeConfig.class.getResourceAsStream(QWEN_IMAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + QWEN_IMAGE_RESOURCE + " missing from the jar");
            }
            return fromJson(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@code config.json} (a file, or a {@code vae/} folder holding it). */
    public static QwenImageVaeConfig load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        try {
            return fromJson(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read VAE config " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static QwenImageVaeConfig fromJson(JsonNode n) {
        QwenImageVaeConfig d = defaults();
        return new QwenImageVaeConfig(
                n.path("base_dim").asInt(d.baseDim),
                n.path("z_dim").asInt(d.zDim),
                n.has("dim_mult") ? ints(n.get("dim_mult")) : d.dimMult,
                n.path("num_res_blocks").asInt(d.numResBlocks),
                n.has("attn_scales") ? doubles(n.get("attn_scales")) : d.attnScales,
                n.has("temperal_downsample") ? bools(n.get("temperal_downsample")) : d.temperalDownsample,
                n.path("input_channels").asInt(d.inputChannels),
                n.has("latents_mean") ? floats(n.get("latents_mean")) : d.latentsMean,
                n.has("latents_std") ? floats(n.get("latents_std")) : d.latentsStd);
    }

    /**
     * The config implied by tensor names and shapes (diffusers key names, e.g. through a key-mapped ComfyUI store);
     * latents mean/std are diffusers' defaults, as single files do not carry them.
     */
    public static QwenImageVaeConfig detectFromWeights(java.util.Map<String, dev.atelier.inference.io.TensorInfo> t) {
        return VaeConfigDetector.detect(t);
    }

    /** {@code 2 ** len(temperal_downsample)}: pixels per latent along each side (8). */
    public int spatialCompression() {
        return 1 << temperalDownsample.length;
    }

    /** Encoder stage widths {@code base_dim * [1] + dim_mult}. */
    public int[] encoderDims() {
        int[] dims = new int[dimMult.length + 1];
        dims[0] = baseDim;
        for (int i = 0; i < dimMult.length; i++) {
            dims[i + 1] = baseDim * dimMult[i];
        }
        return dims;
    }

    /** Decoder stage widths {@code base_dim * ([dim_mult[-1]] + dim_mult[::-1])}. */
    public int[] decoderDims() {
        int[] dims = new int[dimMult.length + 1];
        dims[0] = baseDim * dimMult[dimMult.length - 1];
        for (int i = 0; i < dimMult.length; i++) {
            dims[i + 1] = baseDim * dimMult[dimMult.length - 1 - i];
        }
        return dims;
    }

    /** {@code temperal_downsample[::-1]}: which decoder up blocks are {@code upsample3d}. */
    public boolean[] temperalUpsample() {
        boolean[] up = new boolean[temperalDownsample.length];
        for (int i = 0; i < up.length; i++) {
            up[i] = temperalDownsample[temperalDownsample.length - 1 - i];
        }
        return up;
    }

    public boolean hasAttentionAt(double scale) {
        for (double s : attnScales) {
            if (s == scale) {
                return true;
            }
        }
        return false;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static double[] doubles(JsonNode a) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asDouble();
        }
        return r;
    }

    private static boolean[] bools(JsonNode a) {
        boolean[] r = new boolean[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asBoolean();
        }
        return r;
    }

    private static float[] floats(JsonNode a) {
        List<Float> l = new ArrayList<>();
        a.forEach(v -> l.add((float) v.asDouble()));
        float[] r = new float[l.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = l.get(i);
        }
        return r;
    }
}
