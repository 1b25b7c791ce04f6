package dev.atelier.inference.runtime;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Samples memory at a fixed interval on one daemon thread, hands each {@link MemorySample} to a sink (the
 * studio's meter marshals it to the FX thread itself) and keeps the peaks for benchmarks. A failing sample is
 * skipped, never fatal.
 */
public final class TelemetrySampler implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final AtomicReference<MemorySample> last = new AtomicReference<>();
    private final AtomicLong peakDeviceUsed = new AtomicLong(-1);
    private final AtomicLong peakProcessGpu = new AtomicLong(-1);
    private final AtomicLong peakRss = new AtomicLong(-1);
    private final AtomicLong samples = new AtomicLong();

    TelemetrySampler(Supplier<MemorySample> source, Duration interval, Consumer<MemorySample> sink) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("sampling interval must be positive, got " + interval);
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "atelier-telemetry");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                MemorySample s = source.get();
                record(s);
                sink.accept(s);
            } catch (RuntimeException e) {
                // a reading failed (driver hiccup): skip it, the next one may work
            }
        }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void record(MemorySample s) {
        last.set(s);
        samples.incrementAndGet();
        peakDeviceUsed.accumulateAndGet(s.deviceUsedBytes(), Math::max);
        peakProcessGpu.accumulateAndGet(s.processGpuBytes(), Math::max);
        peakRss.accumulateAndGet(s.process().rssBytes(), Math::max);
    }

    /** The latest snapshot, null before the first one. */
    public MemorySample last() {
        return last.get();
    }

    public long sampleCount() {
        return samples.get();
    }

    /** Highest device-wide use seen (every process), -1 without a GPU. */
    public long peakDeviceUsedBytes() {
        return peakDeviceUsed.get();
    }

    /** Highest use by this process seen, -1 when unknown. */
    public long peakProcessGpuBytes() {
        return peakProcessGpu.get();
    }

    public long peakRssBytes() {
        return peakRss.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
