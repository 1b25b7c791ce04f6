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
    private final UnaryOperator<NDArray> toHost;
    private final UnaryOperator<NDArray> toDevice;
    private final boolean pinned;
    private final NDArray probe;
    private long streamedBytes;

    private BlockStreamer(boolean[] streamed, NDManager host, UnaryOperator<NDArray> toHost,
            UnaryOperator<NDArray> toDevice, boolean pinned, NDArray probe) {
        this.blocks = new java.util.ArrayList<>(java.util.Collections.nCopies(streamed.length, List.of()));
        this.streamed = streamed;
        this.host = host;
        this.toHost = toHost;
        this.toDevice = toDevice;
        this.pinned = pinned;
        this.probe = probe;
    }

    /**
     * A streamer for {@code placement} (one entry per block). {@code device} is a manager on the compute device (its
     * arrays receive the per-forward copies); {@code ops} may be null (then plain DJL copies). Blocks are handed over
     * with {@link #adopt} (right after each block loads, so a streamed block never waits on the GPU beside the next
     * one: the load's peak stays at the plan's).
     */
    static BlockStreamer open(List<BlockPlacement> placement, NDManager device, TorchOps ops) {
        boolean[] s = new boolean[placement.size()];
        for (BlockPlacement p : placement) {
            if (p.index() < 0 || p.index() >= s.length) {
                throw new IllegalArgumentException("block placement index " + p.index() + " out of range");
            }
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
        return new BlockStreamer(s, host, toHost, toDev, usePinned, probe);
    }

    /** Takes block {@code i}'s Linears; a streamed block's weights move to host memory now. */
    void adopt(int i, List<Linear> linears) {
        blocks.set(i, List.copyOf(linears));
        if (streamed[i]) {
            for (Linear l : linears) {
                streamedBytes += l.storedBytes();
                l.offload(toHost);
            }
        }
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
