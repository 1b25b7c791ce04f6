package dev.atelier.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.WeightVariant;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.runtime.Bytes;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's memory handling on the CPU: a plan for a budget (Stage note), Memory events with component sizes, and
 * the out-of-memory policy (an OOM injected into the first denoising step: one retry with a tighter plan).
 */
class EngineMemoryTest {
    static final long BUDGET = 8 * Bytes.GIB;
    static final String CUDA_OOM = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.19 GiB total capacity)";

    QwenImageRunners runners;
    LocalEngine engine;
    Path t2i = FixtureSupport.fixture().t2iModel().orElseThrow();

    @BeforeEach
    void start() {
        EngineSettings s = EngineSettings.cpu().withBudget(BUDGET);
        runners = new QwenImageRunners(NDManager.newBaseManager(Device.cpu()), 128 * 128, ComputeTarget.CPU_FLOAT32, s);
        engine = QwenImageRunners.localEngine(runners);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    GenerateRequest request(long seed) {
        return new GenerateRequest(t2i, "a red house by a lake", "", 256, 256,
                new GenerationSettings("", WeightVariant.AUTO, seed, 2, 1.0, null, List.of()));
    }

    List<EngineEvent> run(GenerateRequest r) throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        engine.run(r, events::add).outcome().get();
        return events;
    }

    static List<String> stages(List<EngineEvent> ev) {
        return ev.stream().filter(e -> e instanceof EngineEvent.Stage).map(e -> ((EngineEvent.Stage) e).name()).toList();
    }

    static List<EngineEvent.Memory> memory(List<EngineEvent> ev) {
        return ev.stream().filter(e -> e instanceof EngineEvent.Memory).map(e -> (EngineEvent.Memory) e).toList();
    }

    @Test
    void oomInTheFirstStepIsRetriedOnceWithATighterPlanThenSucceeds() throws Exception {
        List<int[]> calls = new CopyOnWriteArrayList<>();
        runners.stepFault((attempt, step) -> {
            calls.add(new int[] {attempt, step});
            if (attempt == 1 && step == 0) {
                throw new RuntimeException(new IllegalStateException(CUDA_OOM));
            }
        });
        List<EngineEvent> ev = run(request(7));
        EngineEvent.Done done = assertInstanceOf(EngineEvent.Done.class, ev.get(ev.size() - 1), () -> ev.toString());
        assertArrayEquals(new int[] {1, 0}, calls.get(0));
        assertEquals(1 + 2, calls.size(), "attempt 1 failed at step 0, attempt 2 ran both steps: exactly one retry");
        assertTrue(calls.subList(1, 3).stream().allMatch(c -> c[0] == 2));
        List<String> notes = stages(ev).stream().filter(s -> s.startsWith("Note:")).toList();
        assertTrue(notes.get(0).startsWith("Note: memory plan: fits"), notes.toString());
        String retry = notes.stream().filter(n -> n.contains("retrying once")).findFirst().orElseThrow();
        assertTrue(retry.contains("GPU out of memory allocating 2 GiB") || retry.contains("GPU out of memory"), retry);
        // the tighter plan: min(85 % of 8 GiB, 8 GiB - 1.25 x 2 GiB) = 5.5 GiB
        assertTrue(retry.contains("5.5 GiB") || retry.contains("5.50 GiB"), retry);
        // the same seed gives the same image as an undisturbed run
        runners.stepFault(null);
        List<EngineEvent> clean = run(request(7));
        EngineEvent.Done again = assertInstanceOf(EngineEvent.Done.class, clean.get(clean.size() - 1));
        assertArrayEquals(again.image().argb(), done.image().argb());
    }

    @Test
    void oomAgainOnTheRetryFailsWithOutOfMemoryAndASuggestion() throws Exception {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        runners.stepFault((attempt, step) -> {
            attempts.add(attempt);
            throw new IllegalStateException(CUDA_OOM);
        });
        List<EngineEvent> ev = run(request(3));
        EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, ev.get(ev.size() - 1));
        assertEquals(FailureKind.OUT_OF_MEMORY, f.kind());
        assertEquals(List.of(1, 2), attempts, "one retry, no more");
        assertTrue(f.suggestion().contains("quick-preview") && f.suggestion().contains("budget"), f.suggestion());
        assertTrue(runners.bundle().releases().size() >= 2, "components released after each OOM");
    }

    @Test
    void otherFailuresAreNotRetried() throws Exception {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        runners.stepFault((attempt, step) -> {
            attempts.add(attempt);
            throw new IllegalStateException("shape mismatch");
        });
        EngineEvent last = run(request(3)).getLast();
        assertEquals(FailureKind.INTERNAL, assertInstanceOf(EngineEvent.Failed.class, last).kind());
        assertEquals(List.of(1), attempts);
    }

    @Test
    void memoryEventsCarryTheBudgetAndComponentSizes() throws Exception {
        List<EngineEvent> ev = run(request(5));
        List<EngineEvent.Memory> mem = memory(ev);
        assertTrue(mem.size() >= 2, "a reading before and after the job: " + mem.size());
        var end = mem.get(mem.size() - 1).snapshot();
        assertTrue(end.cpuOnly());
        assertEquals(BUDGET, end.budget());
        assertTrue(end.processUsed() > 0, "process RSS on a CPU-only run");
        assertEquals(java.util.Set.of("text_encoder", "transformer", "vae"), end.components().keySet());
        assertTrue(end.components().values().stream().allMatch(v -> v > 0), end.components().toString());
        assertFalse(mem.get(0).snapshot().components().containsKey("transformer"), "nothing loaded before the job");
    }
}
