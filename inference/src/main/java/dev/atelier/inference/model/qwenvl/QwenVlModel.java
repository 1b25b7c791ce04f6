package dev.atelier.inference.model.qwenvl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.Fp8ScaledStore;
import dev.atelier.inference.io.KeyMapper;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.io.WeightStore;
import dev.atelier.inference.io.WeightStores;
import dev.atelier.inference.nn.Weights;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Qwen2.5-VL as the Qwen-Image text encoder ({@code Qwen2_5_VLModel} without the LM head): the vision tower, the
 * splice of image embeddings into the {@code <|image_pad|>} positions, M-RoPE position ids and the language model.
 * Weights live in a model-lifetime manager (each layer/block in its own sub-manager) until {@link #close()}.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py (Qwen2_5_VLModel.forward)
public final class QwenVlModel implements AutoCloseable {
    /** A vision-tower tensor (canonical name): present when the store holds the vision tower. */
    private static final String VISION_PROBE = "visual.patch_embed.proj.weight";

    private final QwenVlConfig config;
    private final NDManager weights;
    private final NDManager scalars;
    private final QwenVlTextModel language;
    private final QwenVisionTransformer visual;
    private final DataType dtype;
    private RopeIndex.Mode ropeMode = RopeIndex.Mode.PIPELINE;

    private QwenVlModel(QwenVlConfig config, NDManager weights, NDManager scalars, QwenVlTextModel language,
            QwenVisionTransformer visual, DataType dtype) {
        this.config = config;
        this.weights = weights;
        this.scalars = scalars;
        this.language = language;
        this.visual = visual;
        this.dtype = dtype;
    }

    /**
     * Loads a text encoder from a diffusers pipeline folder (its {@code text_encoder/}), a {@code text_encoder}
     * folder (config.json + safetensors, sharded or not), or a single safetensors file (ComfyUI's
     * {@code qwen_2.5_vl_7b*.safetensors}; its config is the released 7B one unless {@code configOrNull} is given).
     *
     * @param device where the weights go ({@code Device.cpu()} for fp32 parity, a GPU for bf16)
     * @param dtype  compute/weight type ({@code FLOAT32}, or {@code BFLOAT16} on a GPU)
     */
    public static QwenVlModel load(Path path, QwenVlConfig configOrNull, Device device, DataType dtype) {
        Path p = path;
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve("model_index.json"))) {
            p = p.resolve("text_encoder");
        }
        QwenVlConfig cfg = configOrNull;
        if (cfg == null) {
            cfg = Files.isDirectory(p) && Files.isRegularFile(p.resolve("config.json"))
                    ? QwenVlConfig.fromFolder(p) : QwenVlConfig.qwen25Vl7b();
        }
        WeightStore store = WeightStores.open(p);
        try {
            return load(store, cfg, device, dtype);
        } finally {
            store.close();
        }
    }

    /**
     * Binds every weight of {@code store} (any text-encoder key layout {@link KeyMapper} knows; ComfyUI scaled-fp8
     * weights are dequantized by {@link Fp8ScaledStore}) on {@code device}.
     */
    public static QwenVlModel load(WeightStore source, QwenVlConfig cfg, Device device, DataType dtype) {
        return load(source, cfg, device, dtype, null);
    }

    /**
     * Like {@link #load(WeightStore, QwenVlConfig, Device, DataType)} with a {@link Weights.LinearFactory} for the
     * Linear layers (e.g. {@link dev.atelier.inference.nn.Fp8Weights}: fp8 kept 8-bit on the GPU); null = float.
     */
    public static QwenVlModel load(WeightStore source, QwenVlConfig cfg, Device device, DataType dtype,
            Weights.LinearFactory linears) {
        WeightStore store = source instanceof SafetensorsFile f ? Fp8ScaledStore.wrapIfQuantized(f) : source;
        requireNoRawScales(store);
        NDManager scalars = NDManager.newBaseManager(Device.cpu());
        NDManager weights = NDManager.newBaseManager(device);
        try {
            KeyMapper.Bound keys = keys(store);
            Weights w = new Weights(store, weights, dtype).withKeyMap(keys.keyMap()).withLinearFactory(linears);
            QwenVisionTransformer visual = store.contains(keys.toStored(VISION_PROBE))
                    ? new QwenVisionTransformer(cfg.vision(), w.pp("visual"), scalars) : null;
            QwenVlTextModel language = new QwenVlTextModel(cfg.text(), w.pp("model"), scalars);
            return new QwenVlModel(cfg, weights, scalars, language, visual, dtype);
        } catch (RuntimeException e) {
            weights.close();
            scalars.close();
            throw e;
        }
    }

    /**
     * The store's key layout ({@code keymaps/qwen25vl_text_encoder.json}): model code binds the save_pretrained /
     * ComfyUI names {@code model.*} and {@code visual.*}.
     */
    private static KeyMapper.Bound keys(WeightStore store) {
        try {
            return KeyMapper.of(KeyMapper.Component.TEXT_ENCODER).bind(store.tensors().keySet());
        } catch (IllegalArgumentException e) {
            throw new WeightFormatException(store.source(), "no '*embed_tokens.weight' tensor in a known layout: this "
                    + "is not a Qwen2.5-VL text encoder (expected model.embed_tokens.weight, "
                    + "model.language_model.embed_tokens.weight or "
                    + "text_encoders.qwen25_7b.transformer.model.embed_tokens.weight)");
        }
    }

    /**
     * fp8 scales are applied by {@link Fp8ScaledStore} ({@link dev.atelier.inference.io.WeightStores#open} returns it
     * for single files); a store that still lists scale tensors would give undequantised weights.
     */
    private static void requireNoRawScales(WeightStore store) {
        for (String k : store.tensors().keySet()) {
            if (k.endsWith(".scale_weight") || k.endsWith(".weight_scale")) {
                throw new WeightFormatException(store.source(), "'" + k + "': scaled fp8 text encoders are read from "
                        + "one .safetensors file (as ComfyUI ships them); open that file instead of a sharded or "
                        + "renamed copy");
            }
        }
    }

    public QwenVlConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return weights.getDevice();
    }

    public boolean hasVision() {
        return visual != null;
    }

    /** The vision tower's merged image tokens [N / merge², out_hidden] (Qwen2_5_VLModel.get_image_features, concatenated). */
    public NDArray imageEmbeds(NDArray pixelValues, long[][] imageGridThw, NDManager out) {
        requireVision();
        NDArray r;
        try (NDScope scope = new NDScope()) {
            r = visual.forward(pixelValues.toDevice(weights.getDevice(), false), imageGridThw);
            NDScope.unregister(r);
            r.attach(out);
        }
        NDScope.register(r);
        return r;
    }

    /**
     * How position ids are computed: {@link RopeIndex.Mode#PIPELINE} (default: exactly what the diffusers pipelines
     * get from transformers 5.17, sequential positions) or {@link RopeIndex.Mode#MULTIMODAL} (3-D image positions
     * of get_rope_index, as transformers 4.x computed them inside forward).
     */
    public QwenVlModel ropeMode(RopeIndex.Mode mode) {
        this.ropeMode = mode;
        return this;
    }

    public RopeIndex.Mode ropeMode() {
        return ropeMode;
    }

    /** M-RoPE position ids [3][B][L] as this model's forward uses them (see {@link #ropeMode(RopeIndex.Mode)}). */
    public long[][][] positionIds(long[][] inputIds, long[][] attentionMask, long[][] imageGridThw) {
        return RopeIndex.positionIds(ropeMode, inputIds, attentionMask, imageGridThw, config);
    }

    /**
     * The last hidden state after the final norm, [B, L, hidden], in {@link #dtype()} on the model's device,
     * attached to {@code out}.
     *
     * @param inputIds      [B][L] token ids (with {@code <|image_pad|>} repeated once per merged image token)
     * @param attentionMask [B][L] 1 = token, 0 = padding, or {@code null}
     * @param pixelValues   [N, C*T*P*P] from the processor, or {@code null} for text only
     * @param imageGridThw  [nImages][3], or {@code null} for text only
     */
    public NDArray forward(long[][] inputIds, long[][] attentionMask, NDArray pixelValues, long[][] imageGridThw,
            NDManager out) {
        int b = inputIds.length;
        if (b == 0 || inputIds[0].length == 0) {
            throw new IllegalArgumentException("input_ids is empty: nothing to encode");
        }
        int l = inputIds[0].length;
        NDManager mgr = weights;
        NDArray hidden;
        try (NDScope scope = new NDScope()) {
            long[] flat = new long[b * l];
            for (int i = 0; i < b; i++) {
                if (inputIds[i].length != l || (attentionMask != null && attentionMask[i].length != l)) {
                    throw new IllegalArgumentException("input_ids / attention_mask rows must all have length " + l);
                }
                for (int j = 0; j < l; j++) {
                    long id = inputIds[i][j];
                    if (id < 0 || id >= config.text().vocabSize()) {
                        throw new IllegalArgumentException("token id " + id + " at [" + i + ", " + j
                                + "] is outside the vocabulary (" + config.text().vocabSize() + ")");
                    }
                    flat[i * l + j] = id;
                }
            }
            NDArray ids = mgr.create(flat, new Shape(b, l));
            NDArray embeds = language.embed(ids);
            if (pixelValues != null) {
                NDArray image = visual(pixelValues, imageGridThw);
                embeds = splice(embeds, flat, image, b, l);
            }
            long[][][] pos = positionIds(inputIds, attentionMask, pixelValues != null ? imageGridThw : null);
            hidden = language.forward(embeds, attentionMask, pos);
            NDScope.unregister(hidden);
            hidden.attach(out);
        }
        NDScope.register(hidden);
        return hidden;
    }

    private NDArray visual(NDArray pixelValues, long[][] grid) {
        requireVision();
        if (grid == null) {
            throw new IllegalArgumentException("pixel_values given without image_grid_thw");
        }
        return visual.forward(pixelValues.toDevice(weights.getDevice(), false), grid);
    }

    /** inputs_embeds.masked_scatter(input_ids == image_token_id, image_embeds), as one gather. */
    private NDArray splice(NDArray embeds, long[] flatIds, NDArray image, int b, int l) {
        long n = image.getShape().get(0);
        long[] index = new long[b * l];
        long k = 0;
        for (int p = 0; p < index.length; p++) {
            if (flatIds[p] == config.imageTokenId()) {
                index[p] = (long) b * l + k;
                k++;
            } else {
                index[p] = p;
            }
        }
        if (k != n) {
            throw new IllegalArgumentException("Image features and image tokens do not match: tokens: " + k
                    + ", features " + n + " (the prompt needs one <|image_pad|> per merged image token)");
        }
        long hidden = embeds.getShape().get(2);
        NDArray table = NDArrays.concat(new NDList(embeds.reshape(-1, hidden), image.toType(embeds.getDataType(), false)), 0);
        return table.get(new NDIndex("{}", embeds.getManager().create(index))).reshape(b, l, hidden);
    }

    private void requireVision() {
        if (visual == null) {
            throw new IllegalStateException("this text-encoder file holds no vision tower (visual.* weights): "
                    + "editing needs the full Qwen2.5-VL text encoder");
        }
    }

    @Override
    public void close() {
        weights.close();
        scalars.close();
    }
}
