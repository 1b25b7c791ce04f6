package dev.atelier.inference.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * One NVIDIA GPU as NVML describes it, and what Atelier can do with it.
 *
 * @param index        NVML index (the CUDA index too unless CUDA_VISIBLE_DEVICES reorders)
 * @param name         e.g. "NVIDIA GeForce RTX 4090"
 * @param totalBytes   device memory
 * @param ccMajor      CUDA compute capability, major (9 for Hopper, 8 for Ampere/Ada)
 * @param ccMinor      minor (Ada is 8.9)
 */
public record DeviceInfo(int index, String name, long totalBytes, int ccMajor, int ccMinor) {

    /** "sm_89". */
    public String sm() {
        return "sm_" + ccMajor + ccMinor;
    }

    /** fp8 (e4m3) tensor-core matmul (torch._scaled_mm): Ada (sm_89), Hopper (sm_90) and newer. */
    public boolean fp8Matmul() {
        return ccMajor > 8 || (ccMajor == 8 && ccMinor >= 9);
    }

    /** Native bf16 arithmetic (Ampere sm_80 and newer); older cards emulate it slowly, fp16 is the choice there. */
    public boolean bf16Native() {
        return ccMajor >= 8;
    }

    public String describe() {
        return "gpu(" + index + ") " + name + ", " + Bytes.format(totalBytes) + ", " + sm()
                + (fp8Matmul() ? ", fp8 matmul" : ", no fp8 matmul (weights are widened to bf16)")
                + (bf16Native() ? "" : ", no native bf16");
    }

    /** Every device NVML sees; empty when {@code nvml} is null. */
    public static List<DeviceInfo> list(Nvml nvml) {
        List<DeviceInfo> out = new ArrayList<>();
        if (nvml == null) {
            return out;
        }
        int n = nvml.deviceCount();
        for (int i = 0; i < n; i++) {
            int[] cc = nvml.computeCapability(i);
            out.add(new DeviceInfo(i, nvml.name(i), nvml.memory(i).total(), cc[0], cc[1]));
        }
        return out;
    }

    /**
     * GPUs DJL's engine sees (CUDA runtime through DJL's CudaUtils). Initialises the engine: call only after
     * {@link TorchRuntime#configure}.
     */
    public static int djlGpuCount() {
        return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
    }
}
