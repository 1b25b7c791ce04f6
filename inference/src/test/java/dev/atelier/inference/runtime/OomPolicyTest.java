package dev.atelier.inference.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import dev.atelier.inference.runtime.OomPolicy.Kind;
import dev.atelier.inference.runtime.OomPolicy.OutOfMemory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OomPolicyTest {
    private static final String TORCH_2X = "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of "
            + "79.19 GiB of which 1.06 GiB is free. Including non-PyTorch memory, this process has 78.12 GiB memory in use.\n"
            + "Exception raised from malloc at /pytorch/c10/cuda/CUDACachingAllocator.cpp:1423";

    @Test
    void recognisesTorchGpuOutOfMemoryInsideDjlExceptions() {
        Optional<OutOfMemory> o = OomPolicy.classify(new RuntimeException("job failed", new EngineException(TORCH_2X)));
        assertTrue(o.isPresent());
        assertEquals(Kind.GPU, o.get().kind());
        assertEquals(2L * Bytes.GIB, o.get().requestedBytes());
        assertEquals("GPU out of memory allocating 2.0 GiB", o.get().describe());
        assertTrue(!o.get().message().contains("\n"));
    }

    @Test
    void otherGpuAllocationFailures() {
        for (String m : List.of("CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 23.65 GiB total capacity)",
                "CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported",
                "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
                "cuDNN error: CUDNN_STATUS_ALLOC_FAILED", "torch.OutOfMemoryError: CUDA out of memory.")) {
            assertEquals(Kind.GPU, OomPolicy.classify(new EngineException(m)).orElseThrow().kind(), m);
        }
        assertEquals(20L * Bytes.MIB, OomPolicy.classify(new EngineException(
                "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0)")).orElseThrow().requestedBytes());
        assertEquals(-1, OomPolicy.classify(new EngineException("CUDA error: out of memory")).orElseThrow().requestedBytes());
    }

    @Test
    void hostOutOfMemoryAndOtherErrors() {
        OutOfMemory h = OomPolicy.classify(new EngineException(
                "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to allocate 1073741824 bytes."))
                .orElseThrow();
        assertEquals(Kind.HOST, h.kind());
        assertEquals(Bytes.GIB, h.requestedBytes());
        assertEquals(Kind.HOST, OomPolicy.classify(new OutOfMemoryError("Java heap space")).orElseThrow().kind());
        assertTrue(OomPolicy.classify(new EngineException("shape '[24]' is invalid for input of size 4096")).isEmpty());
        assertTrue(OomPolicy.classify(new IllegalStateException((String) null)).isEmpty());
    }

    @Test
    void retryPlanIsTighterAndTilesTheVae() {
        MemoryPlanner planner = new MemoryPlanner(ReferenceSizes.components(false), DeviceProfile.forName("H100"));
        MemoryPlan failed = planner.plan(PlanRequest.edit1024(24 * Bytes.GIB));
        OutOfMemory oom = OomPolicy.classify(new EngineException(TORCH_2X)).orElseThrow();
        MemoryPlan retry = OomPolicy.retryPlan(planner, failed, oom).orElseThrow();
        assertEquals(OomPolicy.tighterBudget(24 * Bytes.GIB, 2 * Bytes.GIB), retry.budgetBytes());
        assertTrue(retry.budgetBytes() <= (long) (24 * Bytes.GIB * 0.85));
        assertTrue(retry.peakBytes() < failed.peakBytes());
        assertTrue(retry.vaeTiling().tiled());
        assertTrue(retry.streamedBytesPerStep() >= failed.streamedBytesPerStep());
        // a big failed allocation cuts deeper than 15 %
        assertEquals(24 * Bytes.GIB - 5 * Bytes.GIB, OomPolicy.tighterBudget(24 * Bytes.GIB, 4 * Bytes.GIB));
        // a host OOM is not fixed by a smaller VRAM budget
        assertTrue(OomPolicy.retryPlan(planner, failed, new OutOfMemory(Kind.HOST, -1, "")).isEmpty());
    }
}
