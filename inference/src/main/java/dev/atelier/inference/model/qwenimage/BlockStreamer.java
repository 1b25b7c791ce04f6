package dev.atelier.inference.model.qwenimage;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.TorchOps;
import dev.atelier.inference.runtime.BlockPlacement;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Transformer block streaming (the planner's {@link BlockPlacement}s): resident blocks keep their weights on the GPU;
 * a streamed block's Linear weights live in host memory (pinned when the ops file has {@code to_host_pinned}) and
 * are copied to the GPU for every forward, then freed. Before block {@code i} runs, its copy (normally issued
 * already) and the copy of the next streamed block {@code i+1} are enqueued; with pinned memory the copies are
 * {@code non_blocking}, so the JVM keeps enqueueing kernels while they run. DJL exposes no second CUDA stream, so
 * the copies run in order with the kernels on the one stream: they hide the host's launch latency, not the transfer.
 * At most two streamed blocks are on the GPU at a time (the planner's two buffers).
 *
 * <p>Only Linear weights stream (99.9 % of a block's bytes); the norm weights of a block stay resident.
 */
public final class BlockStreamer implements AutoCloseable {
    private final List<List<Linear>> blocks;
    private final boolean[] streamed;
    private final NDManager host;
    private final UnaryOperator<NDArray> toDevice;
    private final boolean pinned;
    private final long streamedBytes;
    private final NDArray probe;

    private BlockStreamer(List<List<Linear>> blocks, boolean[] streamed, NDManager host, UnaryOperator<NDArray> toDevice,
            boolean pinned, long streamedBytes, NDArray probe) {
        this.probe = probe;
        this.blocks = blocks;
        this.streamed = streamed;
        this.host = host;
        this.toDevice = toDevice;
        this.pinned = pinned;
        this.streamedBytes = streamedBytes;
    }

    /**
     * Moves the streamed blocks' Linear weights to host memory now. {@code device} is a manager on the compute
     * device (its arrays receive the per-forward copies); {@code ops} may be null (then plain DJL copies).
     */
    static BlockStreamer create(List<List<Linear>> blocks, List<BlockPlacement> placement, NDManager device,
            TorchOps ops) {
        if (placement.size() != blocks.size()) {
            throw new IllegalArgumentException("placement lists " + placement.size() + " blocks, the model has "
                    + blocks.size() + " — was the plan made for another model?");
        }
        boolean[] s = new boolean[blocks.size()];
        for (BlockPlacement p : placement) {
            s[p.index()] = p.streamed();
        }
        NDManager host = NDManager.newBaseManager(Device.cpu());
        boolean gpu = device.getDevice().isGpu();
        NDArray probe = device.zeros(new ai.djl.ndarray.types.Shape(1));
        NDScope.unregister(probe);
        boolean usePinned = gpu && ops != null && hostOpsWork(ops, probe);
        UnaryOperator<NDArray> toHost = usePinned
                ? x -> keep(ops.call("to_host_pinned", x), host)
                : x -> keep(x.toDevice(Device.cpu(), true), host);
        UnaryOperator<NDArray> toDev = usePinned
                ? x -> keep(ops.call("to_device_async", probe, x), device)
                : x -> keep(x.toDevice(device.getDevice(), true), device);
        long bytes = 0;
        for (int i = 0; i < blocks.size(); i++) {
            if (s[i]) {
                for (Linear l : blocks.get(i)) {
                    bytes += l.storedBytes();
                    l.offload(toHost);
                }
            }
        }
        return new BlockStreamer(blocks, s, host, toDev, usePinned, bytes, probe);
    }

    private static boolean hostOpsWork(TorchOps ops, NDArray probe) {
        try (NDManager t = probe.getManager().newSubManager()) {
            NDArray h = ops.call("to_host_pinned", probe);
            h.attach(t);
            NDArray d = ops.call("to_device_async", probe, h);
            d.attach(t);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static NDArray keep(NDArray a, NDManager owner) {
        NDScope.unregister(a);
        a.attach(owner);
        return a;
    }

    /** Before block {@code i}: its weights (if streamed) and the next streamed block's are copied to the device. */
    void before(int i) {
        fetch(i);
        if (i + 1 < blocks.size()) {
            fetch(i + 1);
        }
    }

    /** After block {@code i}: a streamed block's device copies are freed. */
    void after(int i) {
        if (streamed[i]) {
            blocks.get(i).forEach(Linear::evict);
        }
    }

    private void fetch(int i) {
        if (!streamed[i]) {
            return;
        }
        for (Linear l : blocks.get(i)) {
            l.fetch(toDevice);
        }
    }

    /** Bytes copied host → device per forward. */
    public long streamedBytesPerForward() {
        return streamedBytes;
    }

    public int streamedBlocks() {
        int n = 0;
        for (boolean b : streamed) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** Whether the host copies are pinned and the uploads asynchronous (ops file), else plain DJL copies. */
    public boolean pinned() {
        return pinned;
    }

    /** Frees the host copies (with the model: a streamed model cannot run after this). */
    @Override
    public void close() {
        probe.close();
        for (int i = 0; i < blocks.size(); i++) {
            if (streamed[i]) {
                blocks.get(i).forEach(Linear::evict);
            }
        }
        host.close();
    }
}
