package dev.atelier.inference.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.runtime.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the engine computes and in which float type, decided once per process from the configured
 * {@link TorchRuntime}: a GPU when one was requested and set up, in bfloat16 when the loaded JNI is known to carry the
 * bf16 patch and the card computes bf16 natively, float16 otherwise; the CPU in float32 (the parity setting) in every
 * other case. The notes say why a fallback was taken and what to do.
 *
 * @param device where weights and activations live
 * @param dtype  the models' weight/compute type (latents stay float32 on any device)
 * @param notes  fallbacks and their fixes; empty when everything is as requested
 */
public record ComputeTarget(Device device, DataType dtype, List<String> notes) {
    /** Which device the user asked for ({@code atelier.device} / {@code ATELIER_DEVICE}: auto, gpu, cpu). */
    public enum Choice {
        AUTO, GPU, CPU;

        public boolean wantsGpu() {
            return this != CPU;
        }

        public static Choice parse(String s) {
            if (s == null || s.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("device: '" + s + "' is not one of auto, gpu, cpu");
            }
        }
    }

    public static final ComputeTarget CPU_FLOAT32 = new ComputeTarget(Device.cpu(), DataType.FLOAT32, List.of());

    public ComputeTarget {
        notes = List.copyOf(notes);
    }

    public boolean gpu() {
        return device.isGpu();
    }

    /**
     * The decision, from plain facts (unit-tested without a GPU).
     *
     * @param choice      what the user asked for
     * @param backend     what {@link TorchRuntime#configure} set up
     * @param gpuIndex    the runtime's CUDA index
     * @param runtimeType the runtime's float type (BFLOAT16 only with the patched JNI, FLOAT16 without)
     * @param bf16Safe    {@link TorchRuntime#bf16()} after {@link TorchRuntime#verifyLoaded()}
     * @param visibleGpus GPUs DJL's engine sees
     * @param bf16Native  whether the card computes bf16 natively (Ampere+), null when unknown (no NVML)
     * @param runtimeNotes the runtime's own messages (kept, they say what to install)
     */
    public static ComputeTarget select(Choice choice, TorchRuntime.Backend backend, int gpuIndex, DataType runtimeType,
            boolean bf16Safe, int visibleGpus, Boolean bf16Native, List<String> runtimeNotes) {
        List<String> notes = new ArrayList<>(runtimeNotes);
        if (!choice.wantsGpu()) {
            return new ComputeTarget(Device.cpu(), DataType.FLOAT32, List.of());
        }
        if (backend != TorchRuntime.Backend.GPU) {
            notes.add("running on the CPU in float32 (no usable GPU runtime" + (choice == Choice.GPU
                    ? ", although the GPU was asked for" : "") + ")");
            return new ComputeTarget(Device.cpu(), DataType.FLOAT32, notes);
        }
        if (visibleGpus <= gpuIndex) {
            notes.add("DJL sees " + visibleGpus + " GPU(s), gpu(" + gpuIndex + ") is not among them (libcudart not "
                    + "found, or CUDA_VISIBLE_DEVICES hides it): running on the CPU in float32");
            return new ComputeTarget(Device.cpu(), DataType.FLOAT32, notes);
        }
        DataType dt;
        if (runtimeType == DataType.BFLOAT16 && bf16Safe && !Boolean.FALSE.equals(bf16Native)) {
            dt = DataType.BFLOAT16;
        } else if (runtimeType == DataType.FLOAT32) {
            dt = DataType.FLOAT32;
        } else {
            dt = DataType.FLOAT16;
            if (Boolean.FALSE.equals(bf16Native) && runtimeType == DataType.BFLOAT16) {
                notes.add("this card has no native bf16 (before Ampere): computing in float16");
            } else if (!bf16Safe && runtimeType == DataType.BFLOAT16) {
                notes.add("the loaded JNI is not known to handle bf16: computing in float16");
            }
        }
        return new ComputeTarget(Device.gpu(gpuIndex), dt, notes);
    }

    public String describe() {
        return (gpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu") + " " + dtype.name().toLowerCase(Locale.ROOT);
    }
}
