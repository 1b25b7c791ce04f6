package dev.atelier.inference.runtime;

import java.util.List;
import java.util.Locale;

/**
 * The three numbers the time estimate uses. Constants (2026-11-25):
 * <ul>
 * <li>{@code peakTflops}: dense bf16 tensor-core peak with fp32 accumulation from NVIDIA's data sheets
 *     (H100 SXM 989, RTX 5090 209.5, RTX 4090 165.2, RTX 4080 97.5, RTX 3090 71).</li>
 * <li>{@link #EFFICIENCY} 0.57: fraction of that peak a whole transformer forward reaches. Calibrated on the
 *     H100 with Atelier's CUDA kernels (ABI 4): the bf16 forward of Qwen-Image at 1024² edit + 1 reference took
 *     0.2985–0.3043 s (median on three machines, packaging/bench/results/2026-11-25-session4-h100.md; diffusers eager
 *     0.42 s) and {@link MemoryPlanner#transformerFlops} counts 1.74e14 FLOP for it: 1.74e14 / 0.304 s / 989e12 =
 *     0.58, rounded down (the estimate should not promise the best card of the day).</li>
 * <li>{@code hostToDeviceBytesPerSec}: pinned host→device copies, PCIe gen5 x16 ~50 GB/s, gen4 x16 ~25 GB/s
 *     (about 80 % of the link rate, what cudaMemcpy from pinned memory typically reaches).</li>
 * <li>fp8 weights on cards with fp8 matmul ({@link DeviceInfo#fp8Matmul()}): {@link #FP8_MATMUL_SPEEDUP} 1.2, not
 *     the data sheet's 2: the GEMMs get 1.3–1.6× faster (row-wise scales, fast accumulation) but attention and the
 *     elementwise work do not (H100, same machine: 0.2474 s vs 0.2992–0.3004 s bf16).</li>
 * </ul>
 * An unknown card gets {@link #UNKNOWN}; the prediction says so.
 */
public record DeviceProfile(String name, double peakTflops, double hostToDeviceBytesPerSec, boolean fp8Matmul,
                            boolean known) {
    public static final double EFFICIENCY = 0.57;
    public static final double FP8_MATMUL_SPEEDUP = 1.2;
    /** CPU fallback throughput for the text encoder in f32 (a desktop CPU with AVX2/AVX-512, all cores). */
    public static final double CPU_TFLOPS = 1.0;
    public static final DeviceProfile UNKNOWN = new DeviceProfile("unknown GPU", 100, 25e9, false, false);

    private static final List<DeviceProfile> KNOWN = List.of(
            new DeviceProfile("H200", 989, 50e9, true, true),
            new DeviceProfile("H100", 989, 50e9, true, true),
            new DeviceProfile("RTX 5090", 209.5, 50e9, true, true),
            new DeviceProfile("RTX 4090", 165.2, 25e9, true, true),
            new DeviceProfile("RTX 4080", 97.5, 25e9, true, true),
            new DeviceProfile("RTX 3090", 71, 25e9, false, true),
            new DeviceProfile("A100", 312, 25e9, false, true));

    /** The profile whose name occurs in the device name ("NVIDIA GeForce RTX 4090"), else {@link #UNKNOWN}. */
    public static DeviceProfile forName(String deviceName) {
        String n = deviceName == null ? "" : deviceName.toUpperCase(Locale.ROOT);
        for (DeviceProfile p : KNOWN) {
            if (n.contains(p.name.toUpperCase(Locale.ROOT))) {
                return p;
            }
        }
        return UNKNOWN;
    }

    /** Sustained FLOP/s for the transformer (fp8 weights with fp8 matmul: {@link #FP8_MATMUL_SPEEDUP} times). */
    public double effectiveFlops(boolean fp8Weights) {
        return peakTflops * 1e12 * EFFICIENCY * (fp8Weights && fp8Matmul ? FP8_MATMUL_SPEEDUP : 1);
    }
}
