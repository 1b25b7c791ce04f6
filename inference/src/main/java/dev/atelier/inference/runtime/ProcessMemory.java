package dev.atelier.inference.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory (Linux {@code /proc/self/status}: VmRSS and its peak VmHWM) and the JVM heap.
 * Values are bytes; -1 where the platform does not say.
 */
public record ProcessMemory(long rssBytes, long peakRssBytes, long heapUsedBytes, long heapMaxBytes) {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** Reads the current values (RSS -1 on systems without /proc). */
    public static ProcessMemory read() {
        long rss = -1;
        long hwm = -1;
        if (Files.isReadable(STATUS)) {
            try {
                String status = Files.readString(STATUS, StandardCharsets.ISO_8859_1);
                rss = statusField(status, "VmRSS");
                hwm = statusField(status, "VmHWM");
            } catch (IOException e) {
                // leave -1: the meter shows "unknown" rather than failing a job
            }
        }
        Runtime rt = Runtime.getRuntime();
        return new ProcessMemory(rss, hwm, rt.totalMemory() - rt.freeMemory(), rt.maxMemory());
    }

    /**
     * One {@code Name:   1234 kB} field of a /proc status file, in bytes; -1 when absent or malformed.
     */
    public static long statusField(String status, String name) {
        for (String line : status.split("\n")) {
            if (!line.startsWith(name + ":")) {
                continue;
            }
            String[] parts = line.substring(name.length() + 1).trim().split("\\s+");
            if (parts.length == 0 || parts[0].isEmpty()) {
                return -1;
            }
            try {
                long v = Long.parseLong(parts[0]);
                String unit = parts.length > 1 ? parts[1] : "";
                return switch (unit) {
                    case "kB", "KB", "kb" -> v * 1024;
                    case "mB", "MB" -> v * 1024 * 1024;
                    case "" -> v;
                    default -> -1;
                };
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
