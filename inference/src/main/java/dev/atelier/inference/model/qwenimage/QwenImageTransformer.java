package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.nn.Attention;
import dev.atelier.inference.nn.EagerAttention;
import dev.atelier.inference.nn.EagerKernels;
import dev.atelier.inference.nn.FusedAttention;
import dev.atelier.inference.nn.FusedKernels;
import dev.atelier.inference.nn.NativeKernels;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.Scopes;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.RmsNorm;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.nn.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Qwen-Image MMDiT ({@code QwenImageTransformer2DModel}): img_in / txt_norm + txt_in, timestep embedding,
 * {@code num_layers} dual-stream blocks with joint attention, norm_out (AdaLayerNormContinuous), proj_out.
 *
 * <p>Native memory: the weights live in the manager given to {@link #load} (the model's lifetime; {@link #close}
 * frees the scalars and the ops module, the caller closes that manager). Each {@link #forward} runs in an
 * {@link NDScope} and each block in its own; only the output is left, in the input's manager.
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py
 * (QwenImageTransformer2DModel) @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class QwenImageTransformer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QwenImageTransformer.class.getName());
    static final float EPS = 1e-6f;

    /** Which attention/kernel implementation a model runs. */
    public enum Impl {
        /** DJL ops only (chunked attention). */
        EAGER,
        /** torch SDPA and fused elementwise kernels from the ops file; falls back to EAGER if it cannot load. */
        FUSED
    }

    private final QwenImageConfig config;
    private final DataType dtype;
    private final NDManager cpu;
    private final TorchOps ops;
    private final Kernels kernels;
    private final Attention attention;
    private final Linear imgIn;
    private final Linear txtIn;
    private final RmsNorm txtNorm;
    private final QwenTimestepProjEmbeddings timeTextEmbed;
    private final QwenEmbedRope posEmbed;
    private final List<QwenImageTransformerBlock> blocks;
    private final Linear normOutLinear;
    private final Linear projOut;
    private final NDManager weightManager;
    private final List<List<Linear>> blockLinears;
    private volatile BlockStreamer streamer;
    /**
     * The RoPE tables of the last {@link #ROPE_CACHE} (image shapes, text length) on the device, in
     * {@link #constantsManager}: the same at every step of a job. Made per forward they cost ~5 ms of GPU idle each
     * (host-side cos/sin, then pageable copies that wait for the queue to drain: H100 profile, 2026-11-25).
     */
    private final Map<RopeKey, QwenEmbedRope.Freqs> ropeCache = new java.util.LinkedHashMap<>(8, 0.75f, true);
    private NDManager constantsManager;
    private static final int ROPE_CACHE = 4;

    private record RopeKey(List<ImageShape> images, int textLength) {}

    private QwenImageTransformer(QwenImageConfig config, DataType dtype, NDManager cpu, TorchOps ops, Kernels kernels,
            Attention attention, Linear imgIn, Linear txtIn, RmsNorm txtNorm, QwenTimestepProjEmbeddings time,
            QwenEmbedRope posEmbed, List<QwenImageTransformerBlock> blocks, Linear normOutLinear, Linear projOut,
            NDManager weightManager, List<List<Linear>> blockLinears, BlockStreamer streamer) {
        this.streamer = streamer;
        this.weightManager = weightManager;
        this.blockLinears = blockLinears;
        this.config = config;
        this.dtype = dtype;
        this.cpu = cpu;
        this.ops = ops;
        this.kernels = kernels;
        this.attention = attention;
        this.imgIn = imgIn;
        this.txtIn = txtIn;
        this.txtNorm = txtNorm;
        this.timeTextEmbed = time;
        this.posEmbed = posEmbed;
        this.blocks = blocks;
        this.normOutLinear = normOutLinear;
        this.projOut = projOut;
    }

    /**
     * Binds every weight by its diffusers key under {@code w} (shape-checked against {@code config}) into
     * {@code w.manager()} in {@code w.dtype()}.
     */
    public static QwenImageTransformer load(QwenImageConfig config, Weights w, Impl impl) {
        return load(config, w, impl, null);
    }

    /**
     * Like {@link #load(QwenImageConfig, Weights, Impl)} with the planner's per-block placement applied while loading
     * (each STREAMED block moves to host memory right after it loads, so loading never holds more on the GPU than the
     * plan); {@code placement} null = all resident.
     */
    public static QwenImageTransformer load(QwenImageConfig config, Weights w, Impl impl,
            List<dev.atelier.inference.runtime.BlockPlacement> placement) {
        config.validate("transformer config");
        NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu());
        try {
            TorchOps ops = impl == Impl.FUSED ? TorchOps.load(w.manager()).orElse(null) : null;
            Kernels k = ops != null
                    ? NativeKernels.wrap(FusedKernels.forDevice(ops, w.manager().getDevice()), w.manager().getDevice())
                    : new EagerKernels(cpu);
            Attention a = ops != null ? new FusedAttention(ops) : new EagerAttention(cpu);
            int d = config.innerDim();
            List<QwenImageTransformerBlock> blocks = new ArrayList<>(config.numLayers());
            if (placement != null && placement.size() != config.numLayers()) {
                throw new IllegalArgumentException("placement lists " + placement.size() + " blocks, the config has "
                        + config.numLayers() + " — was the plan made for another model?");
            }
            BlockStreamer streamer = placement == null ? null : BlockStreamer.open(placement, w.manager(), ops);
            for (int i = 0; i < config.numLayers(); i++) {
                blocks.add(QwenImageTransformerBlock.load(w.pp("transformer_blocks").pp(i), d,
                        config.numAttentionHeads(), config.attentionHeadDim()));
                if (streamer != null) {
                    streamer.adopt(i, blockLinears(w, i));
                }
            }
            String extra = "transformer_blocks." + config.numLayers() + ".img_mod.1.weight";
            if (w.contains(extra)) {
                throw new dev.atelier.inference.io.WeightFormatException(w.store().source(), "found '" + w.key(extra)
                        + "' but the config says num_layers=" + config.numLayers()
                        + " — is the config.json of another model?");
            }
            QwenImageTransformer model = new QwenImageTransformer(config, w.dtype(), cpu, ops, k, a,
                    Linear.load(w.pp("img_in"), config.inChannels(), d),
                    Linear.load(w.pp("txt_in"), config.jointAttentionDim(), d),
                    RmsNorm.load(w.pp("txt_norm"), config.jointAttentionDim(), EPS, cpu),
                    QwenTimestepProjEmbeddings.load(w.pp("time_text_embed"), d, cpu),
                    new QwenEmbedRope(10000, config.axesDimsRope(), true, cpu),
                    blocks,
                    Linear.load(w.pp("norm_out").pp("linear"), d, 2L * d),
                    Linear.load(w.pp("proj_out"), d, config.projOutChannels()),
                    w.manager(), allBlockLinears(w, config.numLayers()), streamer);
            if (Boolean.getBoolean("atelier.fuse.qkv")) {
                model.fuseProjections();
            }
            return model;
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
    }

    private static List<List<Linear>> allBlockLinears(Weights w, int n) {
        List<List<Linear>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(blockLinears(w, i));
        }
        return List.copyOf(out);
    }

    private static List<Linear> blockLinears(Weights w, int i) {
        String full = w.prefix() + "transformer_blocks." + i + ".";
        List<Linear> l = new ArrayList<>();
        synchronized (w.modules()) {
            w.modules().forEach((name, lin) -> {
                if (name.startsWith(full)) {
                    l.add(lin);
                }
            });
        }
        return List.copyOf(l);
    }

    /**
     * Applies the planner's per-block placement: STREAMED blocks move their Linear weights to host memory now and are
     * copied to the GPU per forward ({@link BlockStreamer}). Call once, before the first forward; the streamer is
     * closed with the model.
     */
    public synchronized BlockStreamer stream(List<dev.atelier.inference.runtime.BlockPlacement> placement) {
        if (streamer != null) {
            throw new IllegalStateException("block placement already applied");
        }
        if (placement.size() != blocks.size()) {
            throw new IllegalArgumentException("placement lists " + placement.size() + " blocks, the model has "
                    + blocks.size() + " — was the plan made for another model?");
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (placement.get(i).streamed() && blocks.get(i).projectionsFused()) {
                throw new IllegalStateException("block " + i + " has fused q/k/v projections and cannot be streamed"
                        + " afterwards: pass the placement to load() (or load with -Datelier.fuse.qkv=false)");
            }
        }
        BlockStreamer s = BlockStreamer.open(placement, weightManager, ops);
        for (int i = 0; i < blocks.size(); i++) {
            s.adopt(i, blockLinears.get(i));
        }
        streamer = s;
        return s;
    }

    /**
     * Fuses each resident block's q/k/v projections into one GEMM per stream (see
     * {@link QwenDoubleStreamAttention#fuseProjections()}); fp8 and streamed blocks keep three. Returns how many
     * blocks were fused. Off by default ({@code -Datelier.fuse.qkv=true} fuses at load): on the H100 the bf16 forward
     * measured −1.5 % and +1.6 % in two calls (0.3330 → 0.3279 s, 0.3062 → 0.3110 s; packaging/bench/results), no
     * gain beyond the card's run-to-run spread (fusing the text stream's only: +1.2 %). Unfused, the native kernels
     * write both value projections into the joint tensor, which fusing gives up.
     *
     * <p>On a GPU torch's caching allocator cannot reuse the three freed [inner, dim] blocks for the next block's
     * [3·inner, dim] concat (separate segments): without returning them per block the process would hold every
     * q/k/v weight twice (+6.6 GiB for Qwen-Image bf16, measured).
     */
    public int fuseProjections() {
        int n = 0;
        for (QwenImageTransformerBlock b : blocks) {
            if (b.fuseProjections()) {
                n++;
                if (weightManager.getDevice().isGpu()) {
                    dev.atelier.inference.runtime.OomPolicy.releaseCudaCache();
                }
            }
        }
        return n;
    }

    /** Whether block 0's q/k/v run as one GEMM per stream. */
    public boolean projectionsFused() {
        return !blocks.isEmpty() && blocks.get(0).projectionsFused();
    }

    public Optional<BlockStreamer> streamer() {
        return Optional.ofNullable(streamer);
    }

    /** The Linear layers of block {@code i} (for LoRA, streaming, fusing). */
    public List<Linear> blockLinears(int i) {
        return blockLinears.get(i);
    }

    /** The forward without intermediates. See {@link #forward(NDArray, NDArray, NDArray, NDArray, List, Map)}. */
    public NDArray forward(NDArray hiddenStates, NDArray encoderHiddenStates, NDArray encoderHiddenStatesMask,
            NDArray timestep, List<List<ImageShape>> imgShapes) {
        return forward(hiddenStates, encoderHiddenStates, encoderHiddenStatesMask, timestep, imgShapes, null);
    }

    /**
     * One denoiser evaluation.
     *
     * @param hiddenStates            packed image latents [B, N, in_channels]: the target image's tokens first,
     *                                then each reference image's, in {@code imgShapes} order
     * @param encoderHiddenStates     text embeddings [B, L, joint_attention_dim]
     * @param encoderHiddenStatesMask [B, L] (1/true = token, 0/false = padding) or null (no padding)
     * @param timestep                [B], already divided by 1000 (sigma)
     * @param imgShapes               per sample, the (frames, h/2, w/2) grids of its images, target first; their
     *                                token counts must add up to N
     * @param intermediates           if not null, receives copies of img_in, txt_norm, txt_in, temb,
     *                                block{i}.out0 (text), block{i}.out1 (image), rope_*, norm_out
     * @return [B, N, patch² × out_channels] in the model dtype, in the input's manager
     */
    public NDArray forward(NDArray hiddenStates, NDArray encoderHiddenStates, NDArray encoderHiddenStatesMask,
            NDArray timestep, List<List<ImageShape>> imgShapes, Map<String, NDArray> intermediates) {
        long[] dims = validate(hiddenStates, encoderHiddenStates, encoderHiddenStatesMask, timestep, imgShapes);
        long b = dims[0];
        long n = dims[1];
        int l = (int) dims[2];
        List<ImageShape> first = imgShapes.get(0);
        long split = config.zeroCondT() ? first.get(0).tokens() : -1;
        return Scopes.one(() -> {
            NDManager m = hiddenStates.getManager();
            NDArray img = imgIn.forward(hiddenStates.toType(dtype, false));
            keep(intermediates, "img_in", img);
            NDArray t = timestep;
            if (config.zeroCondT()) {
                t = NDArrays.concat(new NDList(timestep, timestep.zerosLike()), 0);
            }
            NDArray txt = txtNorm.forward(encoderHiddenStates.toType(dtype, false));
            keep(intermediates, "txt_norm", txt);
            txt = txtIn.forward(txt);
            keep(intermediates, "txt_in", txt);
            NDArray temb = timeTextEmbed.forward(t, dtype, kernels, constants(m));
            keep(intermediates, "temb", temb);
            QwenEmbedRope.Freqs rope = rope(first, l, m);
            keep(intermediates, "rope_img_cos", rope.imgCos());
            keep(intermediates, "rope_img_sin", rope.imgSin());
            keep(intermediates, "rope_txt_cos", rope.txtCos());
            keep(intermediates, "rope_txt_sin", rope.txtSin());

            // the text mask is read to the host once: no padding → no mask; padding at the end of each prompt →
            // per-sample attention over the valid keys; anything else → the masked attention
            boolean[] hostMask = hostMask(encoderHiddenStatesMask);
            boolean padded = hostMask != null && !allTrue(hostMask);
            long[] textLengths = padded ? prefixLengths(hostMask, b, l) : null;
            NDArray jointMask = padded && textLengths == null ? jointMask(encoderHiddenStatesMask, b, n) : null;
            NDArray siluImg = kernels.silu(temb);
            NDArray tembTxt = config.zeroCondT() ? temb.get(new NDIndex(":{}", b)) : temb;
            NDArray siluTxt = config.zeroCondT() ? kernels.silu(tembTxt) : siluImg;
            var ctx = new QwenImageTransformerBlock.Context(siluImg, siluTxt, split, jointMask, textLengths, rope,
                    kernels, attention);
            BlockStreamer st = streamer;
            // each block's MLP residual stays pending until the next block's first norm adds it (one pass)
            QwenImageTransformerBlock.Residual imgS = QwenImageTransformerBlock.Residual.of(img);
            QwenImageTransformerBlock.Residual txtS = QwenImageTransformerBlock.Residual.of(txt);
            for (int i = 0; i < blocks.size(); i++) {
                if (st != null) {
                    st.before(i);
                }
                var out = blocks.get(i).forward(imgS, txtS, ctx); // frees its inputs; result in this scope
                if (st != null) {
                    st.after(i);
                }
                txtS = out[0];
                imgS = out[1];
                if (intermediates != null) {
                    keepMaterialized(intermediates, "block" + i + ".out0", txtS, -1);
                    keepMaterialized(intermediates, "block" + i + ".out1", imgS, split);
                }
            }
            txtS.close(); // the last block's text stream is not used
            NDArray emb = normOutLinear.forward(siluTxt.toType(dtype, false)); // AdaLayerNormContinuous, conditioned on t
            long d = config.innerDim();
            NDArray scale = emb.get(new NDIndex(":, :{}", d));
            NDArray shift = emb.get(new NDIndex(":, {}:", d));
            NDArray normed = imgS.pending()
                    ? kernels.gatedAddNormModulate(imgS.x(), imgS.gate0(), imgS.gate1OrGate0(), imgS.y(), shift, scale,
                            shift, scale, split, EPS)[1]
                    : kernels.normModulate(imgS.x(), shift, scale, EPS);
            keep(intermediates, "norm_out", normed);
            return projOut.forward(normed);
        });
    }

    /**
     * This model's constants on the device of its first forward (RoPE tables, timestep frequencies); null for a
     * forward on another device (then they are made per forward).
     */
    private synchronized NDManager constants(NDManager m) {
        if (constantsManager == null) {
            constantsManager = NDManager.newBaseManager(m.getDevice());
        }
        return constantsManager.getDevice().equals(m.getDevice()) ? constantsManager : null;
    }

    /** The RoPE tables for these shapes on {@code m}'s device: cached there, or made into {@code m}'s scope. */
    private synchronized QwenEmbedRope.Freqs rope(List<ImageShape> images, int textLength, NDManager m) {
        if (constants(m) == null) {
            return posEmbed.forward(images, textLength, m); // another device than the first forward's: not cached
        }
        RopeKey key = new RopeKey(List.copyOf(images), textLength);
        QwenEmbedRope.Freqs f = ropeCache.get(key);
        if (f != null) {
            return f;
        }
        try (NDScope scope = new NDScope()) {
            f = posEmbed.forward(images, textLength, constantsManager);
            NDScope.unregister(f.imgCos(), f.imgSin(), f.txtCos(), f.txtSin());
        }
        ropeCache.put(key, f);
        if (ropeCache.size() > ROPE_CACHE) {
            var it = ropeCache.entrySet().iterator();
            closeFreqs(it.next().getValue()); // the least recently used
            it.remove();
        }
        return f;
    }

    private static void closeFreqs(QwenEmbedRope.Freqs f) {
        f.imgCos().close();
        f.imgSin().close();
        f.txtCos().close();
        f.txtSin().close();
    }

    private void keepMaterialized(Map<String, NDArray> sink, String name, QwenImageTransformerBlock.Residual r,
            long split) {
        try (NDArray v = r.materialize(kernels, split)) {
            keep(sink, name, v);
        }
    }

    private static void keep(Map<String, NDArray> sink, String name, NDArray a) {
        if (sink != null) {
            NDArray c = a.toType(DataType.FLOAT32, true);
            NDScope.unregister(c);
            sink.put(name, c);
        }
    }

    /** The mask's values on the host (one device-to-host read), or null without a mask. */
    private static boolean[] hostMask(NDArray textMask) {
        if (textMask == null) {
            return null;
        }
        if (textMask.getDataType() == DataType.BOOLEAN) {
            return textMask.toBooleanArray(); // toType would hand back the caller's array itself: never close it
        }
        try (NDArray bm = textMask.toType(DataType.BOOLEAN, true)) {
            return bm.toBooleanArray();
        }
    }

    private static boolean allTrue(boolean[] m) {
        for (boolean v : m) {
            if (!v) {
                return false;
            }
        }
        return true;
    }

    /** {@link #prefixLengths(boolean[], long, int)} of a [B, L] mask. */
    static long[] prefixLengths(NDArray textMask) {
        if (textMask == null) {
            return null;
        }
        return prefixLengths(hostMask(textMask), textMask.getShape().get(0), (int) textMask.getShape().get(1));
    }

    /**
     * Per sample, the number of valid text tokens when each row of the mask is valid tokens then padding (how the
     * pipelines pad prompts of different lengths), else null (a mask with holes keeps the masked attention, as does
     * {@code -Datelier.attention.padding=masked}).
     */
    static long[] prefixLengths(boolean[] m, long b, int l) {
        if ("masked".equalsIgnoreCase(System.getProperty("atelier.attention.padding", ""))) {
            return null;
        }
        long[] lengths = new long[(int) b];
        for (int i = 0; i < b; i++) {
            int n = 0;
            while (n < l && m[i * l + n]) {
                n++;
            }
            for (int j = n; j < l; j++) {
                if (m[i * l + j]) {
                    return null;
                }
            }
            if (n == 0) {
                return null;
            }
            lengths[i] = n;
        }
        return lengths;
    }

    /** Text mask + all-true image mask (the caller has seen padding in it). */
    private static NDArray jointMask(NDArray textMask, long b, long n) {
        NDArray tm = textMask.toType(DataType.BOOLEAN, false);
        NDArray imgMask = tm.getManager().ones(new Shape(b, n), DataType.BOOLEAN);
        return NDArrays.concat(new NDList(tm, imgMask), 1);
    }

    /** Checks every shape before any compute; returns {B, N, L}. */
    private long[] validate(NDArray hidden, NDArray enc, NDArray mask, NDArray timestep, List<List<ImageShape>> shapes) {
        Shape hs = hidden.getShape();
        Shape es = enc.getShape();
        if (hs.dimension() != 3 || hs.get(2) != config.inChannels()) {
            throw new IllegalArgumentException("hidden_states must be [batch, tokens, " + config.inChannels()
                    + "] (packed latents), found " + hs);
        }
        long b = hs.get(0);
        long n = hs.get(1);
        if (es.dimension() != 3 || es.get(0) != b || es.get(2) != config.jointAttentionDim()) {
            throw new IllegalArgumentException("encoder_hidden_states must be [" + b + ", text_tokens, "
                    + config.jointAttentionDim() + "], found " + es);
        }
        long l = es.get(1);
        if (mask != null && !mask.getShape().equals(new Shape(b, l))) {
            throw new IllegalArgumentException("encoder_hidden_states_mask must be [" + b + ", " + l + "] like the text "
                    + "embeddings, found " + mask.getShape());
        }
        if (!timestep.getShape().equals(new Shape(b))) {
            throw new IllegalArgumentException("timestep must be [" + b + "] (one value per sample, sigma = t/1000), "
                    + "found " + timestep.getShape());
        }
        if (shapes == null || shapes.size() != b) {
            throw new IllegalArgumentException("img_shapes must list the images of each of the " + b + " samples, found "
                    + (shapes == null ? "none" : shapes.size() + " entries"));
        }
        for (int i = 0; i < shapes.size(); i++) {
            List<ImageShape> s = shapes.get(i);
            long tokens = s.stream().mapToLong(ImageShape::tokens).sum();
            if (s.isEmpty() || tokens != n) {
                throw new IllegalArgumentException("img_shapes of sample " + i + " " + s + " give " + tokens
                        + " image tokens but hidden_states has " + n + " (tokens = frames × h/2 × w/2 per image, "
                        + "target image first)");
            }
            if (config.zeroCondT() && s.get(0).tokens() != shapes.get(0).get(0).tokens()) {
                throw new IllegalArgumentException("zero_cond_t: the target image of sample " + i + " " + s.get(0)
                        + " has another token count than sample 0's " + shapes.get(0).get(0));
            }
            if (!s.equals(shapes.get(0))) {
                LOG.log(System.Logger.Level.WARNING, "img_shapes differ between samples " + shapes.get(0) + " vs " + s
                        + ": RoPE uses sample 0's, as diffusers does");
            }
        }
        return new long[] {b, n, l};
    }

    public QwenImageConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    /** {@code fused} when torch SDPA + fused kernels are in use, else {@code eager}. */
    public String implementation() {
        return attention.name();
    }

    /** The elementwise kernels in use (benchmarks may tune a {@link FusedKernels}). */
    public Kernels kernels() {
        return kernels;
    }

    public Optional<TorchOps> ops() {
        return Optional.ofNullable(ops);
    }

    /** Matmul FLOPs of one forward (linears + attention), for throughput figures. */
    public static double flops(QwenImageConfig c, long imageTokens, long textTokens) {
        double d = c.innerDim();
        double s = imageTokens + textTokens;
        double perBlock = 24 * s * d * d + 4 * s * s * d;
        double io = 2.0 * imageTokens * c.inChannels() * d + 2.0 * textTokens * c.jointAttentionDim() * d
                + 2.0 * imageTokens * d * c.projOutChannels();
        return c.numLayers() * perBlock + io;
    }

    @Override
    public void close() {
        if (streamer != null) {
            streamer.close();
        }
        synchronized (this) {
            ropeCache.clear();
            if (constantsManager != null) {
                constantsManager.close();
                constantsManager = null;
            }
        }
        if (ops != null) {
            ops.close();
        }
        cpu.close();
    }

    @Override
    public String toString() {
        return "QwenImageTransformer" + Arrays.asList(config.numLayers() + " layers", config.innerDim() + " dim",
                dtype, attention.name());
    }
}
