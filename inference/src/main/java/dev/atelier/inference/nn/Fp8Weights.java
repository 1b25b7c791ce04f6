package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.DType;
import dev.atelier.inference.io.QuantizedSource;
import dev.atelier.inference.io.QuantizedTensor;
import dev.atelier.inference.io.WeightFormatException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link Weights.LinearFactory} that keeps fp8 Linear weights 8-bit on the device: every Linear whose weight the
 * store ({@link QuantizedSource}: ComfyUI fp8 scaled / mixed files) has as fp8 becomes an {@link Fp8Linear}; other
 * Linears (bf16 layers of mixed files) load as float. One {@link Fp8Codec} per fp8 format, owned here: close this
 * with the model.
 *
 * <pre>{@code
 * try (Fp8Weights fp8 = new Fp8Weights(manager, DataType.BFLOAT16, ops)) {
 *     model = QwenImageTransformer.load(cfg, new Weights(store, manager, BFLOAT16).withLinearFactory(fp8), FUSED);
 * }</pre>
 */
public final class Fp8Weights implements Weights.LinearFactory, AutoCloseable {
    private final NDManager manager;
    private final DataType computeType;
    private final TorchOps ops;
    private final Map<DType, Fp8Codec> codecs = new EnumMap<>(DType.class);
    private int count;

    /** {@code ops} may be null (LUT dequant with DJL ops). */
    public Fp8Weights(NDManager manager, DataType computeType, TorchOps ops) {
        this.manager = manager;
        this.computeType = computeType;
        this.ops = ops;
    }

    public synchronized Fp8Codec codec(DType format) {
        return codecs.computeIfAbsent(format, f -> Fp8Codec.create(f, computeType, manager, ops));
    }

    @Override
    public Linear create(Weights w, long in, long out, boolean withBias) {
        if (!(w.store() instanceof QuantizedSource qs)) {
            return null;
        }
        Optional<QuantizedTensor> q = qs.quantized(w.key("weight"));
        if (q.isEmpty() || q.get().fp8() == null) {
            return null;
        }
        QuantizedTensor t = q.get();
        if (!Arrays.equals(t.shape(), new long[] {out, in})) {
            throw new WeightFormatException(w.store().source(), "'" + t.name() + "': expected [" + out + ", " + in
                    + "], found " + Arrays.toString(t.shape()) + " in " + t.format()
                    + " — is this a checkpoint of the model the config describes?");
        }
        NDArray bias = withBias ? w.with(w.manager(), computeType).get("bias", out) : null;
        synchronized (this) {
            count++;
        }
        return Fp8Linear.upload(t, codec(t.fp8()), w.manager(), bias);
    }

    /** How many Linears were kept fp8. */
    public synchronized int count() {
        return count;
    }

    /** The codecs in use (one per fp8 format met). */
    public synchronized Map<DType, Fp8Codec> codecs() {
        return Map.copyOf(codecs);
    }

    @Override
    public synchronized void close() {
        codecs.values().forEach(Fp8Codec::close);
        codecs.clear();
    }
}
