package dev.atelier.inference.model.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.nn.Weights;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Qwen-Image VAE ({@code AutoencoderKLQwenImage}) for still images: encode {@code [N, 3, (1,) H, W]} images in
 * [-1, 1] to the latent distribution, decode latents back to clamped pixels, the pipelines' latent normalisation, and
 * tiling chosen from a memory budget.
 *
 * <p>Arrays passed in may live on any device and dtype; they are moved to the VAE's. Results are on the VAE's device
 * in its dtype, owned by the input array's manager, with the input's rank (4-D in, 4-D out; 5-D {@code [N, C, 1, H,
 * W]} in, 5-D out). Video (more than one frame) is not supported.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code AutoencoderKLQwenImage}: {@code _encode}, {@code encode},
 * {@code _decode}, {@code decode}).
 */
public final class QwenImageVae implements AutoCloseable {
    /** Largest attention score block materialised at once (bytes), unless set otherwise. */
    public static final long DEFAULT_ATTENTION_CHUNK_BYTES = 256L << 20;

    private final QwenImageVaeConfig config;
    private final NDManager manager;
    private final NDManager scalars;
    private final DataType dtype;
    private final QwenImageEncoder encoder;
    private final QwenImageDecoder decoder;
    private final VaeConv quantConv;
    private final VaeConv postQuantConv;
    private final long attentionChunkBytes;
    private final long parameterBytes;
    private long memoryBudget = Long.MAX_VALUE;

    private QwenImageVae(QwenImageVaeConfig config, VaeParams params, NDManager scalars, long attentionChunkBytes) {
        this.config = config;
        this.manager = params.manager();
        this.scalars = scalars;
        this.dtype = params.dtype();
        this.attentionChunkBytes = attentionChunkBytes;
        int z = config.zDim();
        encoder = new QwenImageEncoder(params.pp("encoder"), config, scalars, attentionChunkBytes);
        decoder = new QwenImageDecoder(params.pp("decoder"), config, scalars, attentionChunkBytes);
        quantConv = VaeConv.causal(params.pp("quant_conv"), 2L * z, 2L * z, 1);
        postQuantConv = VaeConv.causal(params.pp("post_quant_conv"), z, z, 1);
        parameterBytes = manager.getManagedArrays().stream().filter(a -> a instanceof NDArray)
                .mapToLong(a -> ((NDArray) a).size() * ((NDArray) a).getDataType().getNumOfBytes()).sum();
    }

    /**
     * Loads a diffusers {@code vae/} folder (config.json + safetensors) onto {@code device} in {@code dtype}. The
     * weights live in a child of {@code parent}, released by {@link #close()}.
     */
    public static QwenImageVae load(Path vaeFolder, NDManager parent, Device device, DataType dtype) {
        QwenImageVaeConfig config = QwenImageVaeConfig.load(vaeFolder);
        try (WeightStore store = WeightStores.open(vaeFolder)) {
            return load(config, store, parent, device, dtype);
        }
    }

    /** Binds a VAE from any weight store (diffusers key names; other layouts through a key-mapped store). */
    public static QwenImageVae load(QwenImageVaeConfig config, WeightStore store, NDManager parent, Device device,
            DataType dtype) {
        NDManager m = parent.newSubManager(device);
        NDManager cpu = parent.newSubManager(Device.cpu());
        try {
            return new QwenImageVae(config, VaeParams.of(new Weights(store, m, dtype)), cpu,
                    DEFAULT_ATTENTION_CHUNK_BYTES);
        } catch (RuntimeException e) {
            m.close();
            cpu.close();
            throw e;
        }
    }

    /** Random weights with the checkpoint's shapes, created on {@code device} (benchmarks). */
    public static QwenImageVae random(QwenImageVaeConfig config, NDManager parent, Device device, DataType dtype,
            long seed) {
        NDManager m = parent.newSubManager(device);
        NDManager cpu = parent.newSubManager(Device.cpu());
        return new QwenImageVae(config, VaeParams.random(m, dtype, seed), cpu, DEFAULT_ATTENTION_CHUNK_BYTES);
    }

    public QwenImageVaeConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The manager owning the weights (tests check nothing else stays in it). */
    NDManager weightsManager() {
        return manager;
    }

    /** Bytes of the loaded parameters. */
    public long parameterBytes() {
        return parameterBytes;
    }

    /**
     * The activation memory (bytes, weights excluded) one encode or decode may use; larger images are tiled.
     * {@code Long.MAX_VALUE} (the default) never tiles.
     */
    public void setMemoryBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("VAE memory budget must be positive, got " + bytes);
        }
        memoryBudget = bytes;
    }

    public long memoryBudget() {
        return memoryBudget;
    }

    // ---- encode ---------------------------------------------------------------------------------------------

    /** The latent distribution of images [N, 3, (1,) H, W] in [-1, 1], tiled if the budget asks for it. */
    public VaeLatentDist encodeDistribution(NDArray image) {
        long[] hw = imageSize(image, config.inputChannels(), "image");
        return encodeDistribution(image, planEncode(hw[0], hw[1]).orElse(null));
    }

    /** As {@link #encodeDistribution(NDArray)} with an explicit tiling ({@code null}: untiled). */
    public VaeLatentDist encodeDistribution(NDArray image, VaeTiling tiling) {
        boolean five = image.getShape().dimension() == 5;
        long[] hw = imageSize(image, config.inputChannels(), "image");
        int s = config.spatialCompression();
        if (hw[0] < s || hw[1] < s) {
            throw new IllegalArgumentException("image is " + hw[1] + "×" + hw[0] + " pixels; the VAE needs at least "
                    + s + "×" + s + " (one latent) — Qwen-Image pipelines need 16×16 (see VaeSizePolicy)");
        }
        NDManager owner = image.getManager();
        VaeLatentDist d;
        try (NDManager m = manager.newSubManager()) {
            NDArray x = frames(image, m);
            NDArray moments = tiling == null ? encodeMoments(x) : tiling.encode(x, config.spatialCompression(),
                    this::encodeMoments);
            // split/clip inside the scope: DJL makes its clip bounds as arrays of the input's manager
            d = VaeLatentDist.of(moments);
            d.mean().attach(owner);
            d.logvar().attach(owner);
            d.std().attach(owner);
        }
        return five ? new VaeLatentDist(unsqueezeTime(d.mean()), unsqueezeTime(d.logvar()), unsqueezeTime(d.std()))
                : d;
    }

    /** The latents the pipelines use: the distribution's mode (its mean), not normalised. */
    public NDArray encode(NDArray image) {
        long[] hw = imageSize(image, config.inputChannels(), "image");
        return encode(image, planEncode(hw[0], hw[1]).orElse(null));
    }

    /** As {@link #encode(NDArray)} with an explicit tiling ({@code null}: untiled). */
    public NDArray encode(NDArray image, VaeTiling tiling) {
        VaeLatentDist d = encodeDistribution(image, tiling);
        d.logvar().close();
        d.std().close();
        return d.mode();
    }

    /** {@code quant_conv(encoder(x))} for [N, 3, H, W] on the VAE's device and dtype; the input is not closed. */
    NDArray encodeMoments(NDArray x) {
        try (NDArray h = encoder.forward(x)) {
            return quantConv.forward(h);
        }
    }

    // ---- decode ---------------------------------------------------------------------------------------------

    /** Pixels in [-1, 1] (clamped) of latents [N, z, (1,) h, w], tiled if the budget asks for it. */
    public NDArray decode(NDArray latents) {
        long[] hw = imageSize(latents, config.zDim(), "latents");
        int s = config.spatialCompression();
        return decode(latents, planDecode(hw[0] * s, hw[1] * s).orElse(null));
    }

    /**
     * As {@link #decode(NDArray)} with an explicit tiling ({@code null}: untiled). diffusers leaves tiled output
     * unclamped; here both paths clamp to [-1, 1] (the pipelines' postprocess clamps anyway).
     */
    public NDArray decode(NDArray latents, VaeTiling tiling) {
        boolean five = latents.getShape().dimension() == 5;
        imageSize(latents, config.zDim(), "latents");
        NDManager owner = latents.getManager();
        NDArray out;
        try (NDManager m = manager.newSubManager()) {
            NDArray z = frames(latents, m);
            NDArray raw = tiling == null ? decodeFrames(z) : tiling.decode(z, config.spatialCompression(),
                    this::decodeFrames);
            out = raw.clip(-1.0, 1.0);
            out.attach(owner);
        }
        return five ? unsqueezeTime(out) : out;
    }

    /** {@code decoder(post_quant_conv(z))} for [N, z, h, w], unclamped; the input is not closed. */
    NDArray decodeFrames(NDArray z) {
        try (NDArray x = postQuantConv.forward(z)) {
            return decoder.forward(x);
        }
    }

    // ---- tiling plans ---------------------------------------------------------------------------------------

    /** The tiling the budget needs to encode an {@code height × width} image, or empty when it fits whole. */
    public Optional<VaeTiling> planEncode(long height, long width) {
        return plan(height, width, true);
    }

    /** The tiling the budget needs to decode to an {@code height × width} image, or empty when it fits whole. */
    public Optional<VaeTiling> planDecode(long height, long width) {
        return plan(height, width, false);
    }

    /** Estimated peak activation bytes of an untiled encode or decode of {@code height × width} pixels. */
    public long estimateBytes(long height, long width, boolean encode) {
        int b = dtype.getNumOfBytes();
        return encode ? VaeMemory.encodeBytes(config, height, width, b, attentionChunkBytes)
                : VaeMemory.decodeBytes(config, height, width, b, attentionChunkBytes);
    }

    private Optional<VaeTiling> plan(long height, long width, boolean encode) {
        if (estimateBytes(height, width, encode) <= memoryBudget) {
            return Optional.empty();
        }
        int unit = 8 * config.spatialCompression();
        long longest = Math.max(height, width);
        for (long tile = (longest / unit) * unit; tile >= unit; tile -= unit) {
            if (estimateBytes(tile, tile, encode) <= memoryBudget) {
                return Optional.of(VaeTiling.withQuarterOverlap((int) tile, config.spatialCompression()));
            }
        }
        throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                "the VAE memory budget of %.1f MiB is too small even for %d-pixel tiles (they need %.1f MiB); raise "
                        + "the VAE memory budget", memoryBudget / 1048576.0, unit,
                estimateBytes(unit, unit, encode) / 1048576.0));
    }

    // ---- latent normalisation (as the pipelines apply it) ------------------------------------------------------

    /** Edit-plus / text-to-image image latents: {@code (z - latents_mean) / latents_std}. */
    public NDArray normalize(NDArray z) {
        try (NDArray mean = channelVector(z, config.latentsMean()); NDArray std = channelVector(z, config.latentsStd());
                NDArray centred = z.sub(mean)) {
            return centred.div(std);
        }
    }

    /** Inpaint pipelines: {@code (z - latents_mean) * (1 / latents_std)}. */
    public NDArray normalizeInpaint(NDArray z) {
        try (NDArray mean = channelVector(z, config.latentsMean());
                NDArray inv = channelVector(z, reciprocal(config.latentsStd())); NDArray centred = z.sub(mean)) {
            return centred.mul(inv);
        }
    }

    /** Before {@code vae.decode}: {@code z / (1 / latents_std) + latents_mean}. */
    public NDArray denormalize(NDArray z) {
        try (NDArray mean = channelVector(z, config.latentsMean());
                NDArray inv = channelVector(z, reciprocal(config.latentsStd())); NDArray scaled = z.div(inv)) {
            return scaled.add(mean);
        }
    }

    private static float[] reciprocal(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = 1.0f / v[i];
        }
        return r;
    }

    /** {@code torch.tensor(values).view(1, z, 1, 1[, 1]).to(z.device, z.dtype)}. */
    private static NDArray channelVector(NDArray like, float[] values) {
        long[] shape = new long[like.getShape().dimension()];
        java.util.Arrays.fill(shape, 1);
        shape[1] = values.length;
        if (like.getShape().get(1) != values.length) {
            throw new IllegalArgumentException("latents have " + like.getShape().get(1) + " channels, the VAE config "
                    + values.length + " (latents_mean / latents_std)");
        }
        try (NDArray v = like.getManager().create(values, new Shape(shape));
                NDArray onDevice = v.toDevice(like.getDevice(), true)) {
            return onDevice.toType(like.getDataType(), true);
        }
    }

    // ---- shapes -----------------------------------------------------------------------------------------------

    /** Checks [N, C, H, W] or [N, C, 1, H, W]; returns {H, W}. */
    private static long[] imageSize(NDArray a, int channels, String what) {
        Shape s = a.getShape();
        int d = s.dimension();
        if (d != 4 && d != 5) {
            throw new IllegalArgumentException(what + " must be [N, " + channels + ", H, W] or [N, " + channels
                    + ", 1, H, W], got " + s);
        }
        if (s.get(1) != channels) {
            throw new IllegalArgumentException(what + " must have " + channels + " channels, got " + s);
        }
        if (d == 5 && s.get(2) != 1) {
            throw new IllegalArgumentException(what + " has " + s.get(2) + " frames; this VAE port handles still "
                    + "images (one frame) only");
        }
        return new long[] {s.get(d - 2), s.get(d - 1)};
    }

    /** The input as [N, C, H, W] on the VAE's device and dtype, owned by {@code m}. */
    private NDArray frames(NDArray a, NDManager m) {
        Shape s = a.getShape();
        NDArray x = s.dimension() == 5 ? a.reshape(s.get(0), s.get(1), s.get(3), s.get(4)) : a;
        NDArray moved = x.toDevice(manager.getDevice(), true).toType(dtype, false);
        moved.attach(m);
        if (x != a) {
            x.close();
        }
        return moved;
    }

    private static NDArray unsqueezeTime(NDArray a) {
        Shape s = a.getShape();
        NDArray r = a.reshape(s.get(0), s.get(1), 1, s.get(2), s.get(3));
        NDManager owner = a.getManager();
        r.attach(owner);
        a.close();
        return r;
    }

    @Override
    public void close() {
        manager.close();
        scalars.close();
    }
}
