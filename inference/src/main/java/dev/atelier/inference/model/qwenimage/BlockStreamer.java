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
 * {@code non_blocking}, so the JVM keeps enqueueing kernels while they run. DJL exposes no second CUDA stream; the
 * CUDA-only ops file ({@link TorchOps#loadStreams}) supplies one: the copy of block {@code i+1} then runs on that side
 * stream while block {@code i} computes (the side stream first waits for the compute stream's work so far, so freed
 * buffers are never overwritten early; the compute stream waits for the side stream before block {@code i+1}).
 * Without that file the copies run in order with the kernels on the one stream. At most two streamed blocks are on
 * the GPU at a time (the planner's two buffers).
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
    private final NDManager device;
    private final TorchOps streams;
    private final ai.djl.pytorch.jni.IValue side;
    private volatile boolean overlap;
    private long streamedBytes;

    private BlockStreamer(boolean[] streamed, NDManager host, UnaryOperator<NDArray> toHost,
            UnaryOperator<NDArray> toDevice, boolean pinned, NDArray probe, NDManager device, TorchOps streams) {
        this.device = device;
        this.streams = streams;
        ai.djl.pytorch.jni.IValue s = null;
        if (streams != null) {
            try (ai.djl.pytorch.jni.IValue like = ai.djl.pytorch.jni.IValue.from((ai.djl.pytorch.engine.PtNDArray) probe)) {
                s = streams.raw("side_stream", like);
            } catch (RuntimeException e) {
                s = null;
            }
        }
        this.side = s;
        this.overlap = s != null;
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
                : x -> keep(copyTo(x, Device.cpu()), host);
        UnaryOperator<NDArray> toDev = usePinned
                ? x -> keep(ops.call("to_device_async", probe, x), device)
                : x -> keep(copyTo(x, device.getDevice()), device);
        TorchOps streams = usePinned ? TorchOps.loadStreams(device).orElse(null) : null;
        return new BlockStreamer(s, host, toHost, toDev, usePinned, probe, device, streams);
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
        if (overlap && streamed[i]) {
            join();
        }
        if (i + 1 < blocks.size()) {
            fetch(i + 1);
        }
    }

    /** The compute stream waits for the side stream's copies. */
    private void join() {
        try (ai.djl.pytorch.jni.IValue like = ai.djl.pytorch.jni.IValue.from((ai.djl.pytorch.engine.PtNDArray) probe);
                ai.djl.pytorch.jni.IValue r = streams.raw("join", like, side)) {
            // r: the probe back (the method needs a return value)
        }
    }

    /** One host array copied on the side stream (after the compute stream's work so far). */
    private NDArray prefetch(NDArray x) {
        try (ai.djl.pytorch.jni.IValue like = ai.djl.pytorch.jni.IValue.from((ai.djl.pytorch.engine.PtNDArray) probe);
                ai.djl.pytorch.jni.IValue list = ai.djl.pytorch.jni.IValue.listFrom((ai.djl.pytorch.engine.PtNDArray) x);
                ai.djl.pytorch.jni.IValue out = streams.raw("prefetch", like, list, side)) {
            NDArray d = out.toTensorArray((ai.djl.pytorch.engine.PtNDManager) device)[0];
            return keep(d, device);
        }
    }

    /** Whether block copies run on the side stream (overlapping compute); false = the one stream. */
    public boolean overlapping() {
        return overlap;
    }

    /** Turns the side-stream copies off (or back on, if available); for measurements. */
    public void overlap(boolean on) {
        overlap = on && side != null;
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
        UnaryOperator<NDArray> f = overlap ? this::prefetch : toDevice;
        for (Linear l : blocks.get(i)) {
            l.fetch(f);
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
        if (side != null) {
            side.close();
        }
        if (streams != null) {
            streams.close();
        }
        probe.close();
        for (int i = 0; i < blocks.size(); i++) {
            if (streamed[i]) {
                blocks.get(i).forEach(Linear::evict);
            }
        }
        host.close();
    }

    /**
     * A copy of {@code x} on {@code d} in memory torch owns. DJL's {@code toDevice(d, true)} on the array's own device
     * returns an alias (torch's {@code to} without copy=True): the "host copy" of a CPU weight would share the
     * original's storage, and once the original is closed a Java-buffer-backed storage is freed under it.
     */
    static NDArray copyTo(NDArray x, Device d) {
        return x.getDevice().equals(d) ? x.duplicate() : x.toDevice(d, true);
    }
}
