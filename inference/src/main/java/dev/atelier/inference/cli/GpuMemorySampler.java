package dev.atelier.inference.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Peak used memory of GPU 0 as {@code nvidia-smi} reports it (the whole card, so run benchmarks alone), sampled
 * every 50 ms on a daemon thread. Reports -1 when nvidia-smi is not available.
 */
final class GpuMemorySampler implements AutoCloseable {
    private volatile boolean stop;
    private volatile long peakMiB = -1;
    private final Thread thread;

    GpuMemorySampler() {
        thread = new Thread(this::loop, "gpu-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!stop) {
            try {
                Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                        "-i", "0").redirectErrorStream(true).start();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line = r.readLine();
                    if (line != null) {
                        peakMiB = Math.max(peakMiB, Long.parseLong(line.trim()));
                    }
                }
                p.waitFor();
                Thread.sleep(50);
            } catch (Exception e) {
                return;
            }
        }
    }

    long peakMiB() {
        return peakMiB;
    }

    @Override
    public void close() {
        stop = true;
    }
}
