package dev.atelier.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.runtime.TorchRuntime.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device and float-type selection from the runtime's facts (no GPU needed). */
class ComputeTargetTest {
    static ComputeTarget gpu(DataType rt, boolean bf16Safe, int gpus, Boolean bf16Native) {
        return ComputeTarget.select(ComputeTarget.Choice.AUTO, Backend.GPU, 0, rt, bf16Safe, gpus, bf16Native, List.of());
    }

    @Test
    void patchedJniOnAmpereOrNewerComputesInBf16OnTheGpu() {
        ComputeTarget t = gpu(DataType.BFLOAT16, true, 1, true);
        assertEquals(Device.gpu(0), t.device());
        assertEquals(DataType.BFLOAT16, t.dtype());
        assertTrue(t.notes().isEmpty());
        assertEquals(DataType.BFLOAT16, gpu(DataType.BFLOAT16, true, 1, null).dtype(), "NVML unknown: trust the JNI");
    }

    @Test
    void stockJniFallsBackToFloat16NeverBf16() {
        assertEquals(DataType.FLOAT16, gpu(DataType.FLOAT16, false, 1, true).dtype());
        ComputeTarget t = gpu(DataType.BFLOAT16, false, 1, true);
        assertEquals(DataType.FLOAT16, t.dtype(), "bf16 only when the loaded JNI is known to be patched");
        assertTrue(t.notes().stream().anyMatch(n -> n.contains("float16")));
    }

    @Test
    void cardWithoutNativeBf16UsesFloat16() {
        ComputeTarget t = gpu(DataType.BFLOAT16, true, 1, false);
        assertEquals(DataType.FLOAT16, t.dtype());
        assertTrue(t.notes().get(0).contains("no native bf16"));
    }

    @Test
    void cpuRuntimeOrNoVisibleGpuOrCpuChoiceIsCpuFloat32() {
        ComputeTarget cpuBackend = ComputeTarget.select(ComputeTarget.Choice.GPU, Backend.CPU, -1, DataType.FLOAT32,
                false, 0, null, List.of("no libtorch found"));
        assertEquals(Device.cpu(), cpuBackend.device());
        assertEquals(DataType.FLOAT32, cpuBackend.dtype());
        assertEquals("no libtorch found", cpuBackend.notes().get(0), "the runtime's fix-it message is kept");
        ComputeTarget hidden = gpu(DataType.BFLOAT16, true, 0, true);
        assertFalse(hidden.gpu());
        assertEquals(DataType.FLOAT32, hidden.dtype());
        assertTrue(hidden.notes().get(0).contains("sees 0 GPU"));
        ComputeTarget chosen = ComputeTarget.select(ComputeTarget.Choice.CPU, Backend.GPU, 0, DataType.BFLOAT16, true,
                1, true, List.of("x"));
        assertEquals(ComputeTarget.CPU_FLOAT32, chosen);
        assertEquals(ComputeTarget.CPU_FLOAT32, QwenImageRunners.computeTarget(ComputeTarget.Choice.CPU),
                "a CPU choice configures nothing");
    }

    @Test
    void choiceParsesAndRejectsNonsense() {
        assertEquals(ComputeTarget.Choice.AUTO, ComputeTarget.Choice.parse(null));
        assertEquals(ComputeTarget.Choice.GPU, ComputeTarget.Choice.parse(" gpu "));
        assertEquals(ComputeTarget.Choice.CPU, ComputeTarget.Choice.parse("CPU"));
        assertThrows(IllegalArgumentException.class, () -> ComputeTarget.Choice.parse("tpu"));
        assertThrows(IllegalArgumentException.class, () -> new EngineSettings(ComputeTarget.Choice.AUTO, -1, null));
    }
}
