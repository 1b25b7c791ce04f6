package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.Scopes;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;

/**
 * {@code time_text_embed}: sinusoidal projection of the timestep (256 channels, cos first, scale 1000, no frequency
 * shift) followed by {@code timestep_embedder} = linear_1 → SiLU → linear_2.
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py (QwenTimestepProjEmbeddings)
 * and src/diffusers/models/embeddings.py (Timesteps, TimestepEmbedding, get_timestep_embedding)
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class QwenTimestepProjEmbeddings {
    public static final int CHANNELS = 256;
    private static final double MAX_PERIOD = 10000;

    private final Linear linear1;
    private final Linear linear2;
    private final NDArray freqs;
    private final NDArray scale;
    private NDArray deviceFreqs;
    private DataType deviceFreqsType;

    private QwenTimestepProjEmbeddings(Linear linear1, Linear linear2, NDArray freqs, NDArray scale) {
        this.linear1 = linear1;
        this.linear2 = linear2;
        this.freqs = freqs;
        this.scale = scale;
    }

    /** {@code w}: the {@code time_text_embed} scope. */
    public static QwenTimestepProjEmbeddings load(Weights w, int embeddingDim, NDManager cpuScalars) {
        Weights te = w.pp("timestep_embedder");
        Linear l1 = Linear.load(te.pp("linear_1"), CHANNELS, embeddingDim);
        Linear l2 = Linear.load(te.pp("linear_2"), embeddingDim, embeddingDim);
        // exponent = -ln(max_period) * arange(half) / (half - downscale_freq_shift), in float32 as torch does
        int half = CHANNELS / 2;
        NDArray exponent = cpuScalars.arange(0, half, 1, DataType.FLOAT32)
                .mul(cpuScalars.create((float) -Math.log(MAX_PERIOD)))
                .div(cpuScalars.create((float) half));
        NDArray freqs = exponent.exp();
        return new QwenTimestepProjEmbeddings(l1, l2, freqs, cpuScalars.create(1000f));
    }

    /**
     * @param timestep [N], already divided by 1000 as the pipelines pass it
     * @param dtype    the model dtype: the timestep and the frequencies are rounded to it first (diffusers casts
     *                 {@code timestep.to(hidden_states.dtype)}), the embedding is computed in float32
     * @return [N, embeddingDim] in the model dtype
     */
    public NDArray forward(NDArray timestep, DataType dtype, Kernels k) {
        return forward(timestep, dtype, k, null);
    }

    /**
     * As {@link #forward(NDArray, DataType, Kernels)}; with {@code constants} (a long-lived manager on the timestep's
     * device) the frequencies are copied there once and kept: a host-to-device copy per forward waits for the
     * device's queue to drain (torch's blocking copy) and leaves the GPU idle while the host catches up.
     */
    public NDArray forward(NDArray timestep, DataType dtype, Kernels k, NDManager constants) {
        return Scopes.one(() -> {
            NDManager m = timestep.getManager();
            NDArray t = timestep.toType(dtype, false).toType(DataType.FLOAT32, false);
            NDArray f = constants != null && constants.getDevice().equals(m.getDevice())
                    ? deviceFreqs(constants, dtype)
                    : freqs.toDevice(m.getDevice(), false).toType(dtype, false).toType(DataType.FLOAT32, false);
            NDArray emb = t.expandDims(1).mul(f.expandDims(0)).mul(scale);
            // flip_sin_to_cos: [cos, sin]
            NDArray proj = NDArrays.concat(new NDList(emb.cos(), emb.sin()), 1).toType(dtype, false);
            return linear2.forward(k.silu(linear1.forward(proj)));
        });
    }

    /** The frequencies rounded to {@code dtype} (as diffusers does) in float32 on {@code constants}' device, made once. */
    private synchronized NDArray deviceFreqs(NDManager constants, DataType dtype) {
        if (deviceFreqs == null || deviceFreqs.isReleased() || deviceFreqsType != dtype
                || !deviceFreqs.getDevice().equals(constants.getDevice())) {
            try (NDArray onDevice = freqs.toDevice(constants.getDevice(), true); NDArray rounded = onDevice.toType(dtype,
                    true)) {
                NDArray f = rounded.toType(DataType.FLOAT32, true);
                f.attach(constants);
                ai.djl.ndarray.NDScope.unregister(f);
                deviceFreqs = f;
                deviceFreqsType = dtype;
            }
        }
        return deviceFreqs;
    }
}
