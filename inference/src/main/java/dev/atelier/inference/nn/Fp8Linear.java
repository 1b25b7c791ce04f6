package dev.atelier.inference.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.io.QuantizedTensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A Linear whose weight stays 8-bit on the device (fp8 bytes + per-tensor scale, ComfyUI's {@code scaled_fp8}) and
 * is dequantised per call into the compute dtype just before the matmul (or fed to the fp8 matmul): half the memory of
 * bf16. LoRA adapters are added in the compute dtype after the base matmul; merging into the weight is refused
 * (a merged fp8 weight would have to be requantised, which makes the line artifacts users report).
 */
public final class Fp8Linear extends Linear {
    private final Fp8Codec codec;
    private final float scale;
    private final NDArray scaleScalar;
    private volatile NDArray scaleRow;

    public Fp8Linear(Fp8Codec codec, NDArray stored, float scale, NDArray bias, long out, long in) {
        super(stored, bias, new long[] {out, in});
        this.codec = codec;
        this.scale = scale;
        this.scaleScalar = codec.scaleScalar(scale);
    }

    /**
     * Uploads a quantised tensor's bytes to {@code manager}'s device as uint8 (1 byte per weight), then stores it as
     * the codec wants. {@code bias} (already in the compute dtype on that device) may be null.
     */
    public static Fp8Linear upload(QuantizedTensor q, Fp8Codec codec, NDManager manager, NDArray bias) {
        if (q.fp8() != codec.format()) {
            throw new IllegalArgumentException(q.name() + " is " + q.format() + ", the codec is for " + codec.format());
        }
        long[] s = q.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException(q.name() + ": an fp8 Linear weight must be 2-D, found " + q);
        }
        MemorySegment data = q.data();
        ByteBuffer buf = ByteBuffer.allocateDirect((int) data.byteSize()).order(ByteOrder.nativeOrder());
        MemorySegment.ofBuffer(buf).copyFrom(data);
        NDArray codes = manager.create(buf, new Shape(s), DataType.UINT8);
        if (!manager.getDevice().isGpu()) {
            // on the CPU that array wraps buf itself; the LUT mode keeps it as the weight, which gets aliased
            codes = dev.atelier.inference.io.Tensors.owned(codes);
        }
        ai.djl.ndarray.NDScope.unregister(codes);
        return new Fp8Linear(codec, codec.store(codes), q.scale(), bias, s[0], s[1]);
    }

    @Override
    protected NDArray base(NDArray x) {
        return codec.linear(x, weight, scale, scaleScalar, bias, this::scaleRow);
    }

    private NDArray scaleRow() {
        NDArray r = scaleRow;
        if (r == null) {
            synchronized (this) {
                if (scaleRow == null) {
                    scaleRow = codec.scaleRow(scale, outFeatures());
                }
                r = scaleRow;
            }
        }
        return r;
    }

    @Override
    public DataType computeType() {
        return codec.computeType();
    }

    @Override
    protected long storedWeightBytes(NDArray w) {
        return inFeatures() * outFeatures();
    }

    public float scale() {
        return scale;
    }

    public Fp8Codec codec() {
        return codec;
    }

    /** The float weight {@code fp8 × scale} in the compute dtype (a new array the caller closes). */
    @Override
    public NDArray weight() {
        if (weight == null) {
            throw new IllegalStateException("streamed fp8 Linear is not on the device");
        }
        return codec.dequantize(weight, scale, scaleScalar);
    }

    @Override
    public void addToWeight(NDArray delta, int sign) {
        throw new UnsupportedOperationException("this layer keeps its fp8 weight: a merged LoRA would be requantised "
                + "to fp8 (line artifacts). Attach the LoRA at run time instead (LoraAdapter.attach)");
    }
}
