package dev.atelier.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.inference.api.fake.FakeEngine;
import dev.atelier.inference.engine.LocalEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EngineTest {
    static final EditRequest EDIT = EditRequest.of(RequestValidationTest.MODEL, RgbImage.filled(64, 48, 0x808080),
            "add a hat", GenerationSettings.defaults(5).withSteps(4));

    static final class Recorder implements EngineListener {
        final List<EngineEvent> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void on(EngineEvent e) {
            events.add(e);
            threads.add(Thread.currentThread().getName());
        }
    }

    @Test
    void engineWithoutPipelinesSaysSo() throws Exception {
        try (Engine e = LocalEngine.withoutPipelines()) {
            EngineEvent.Outcome o = e.run(EDIT, EngineListener.NONE).outcome().get(10, TimeUnit.SECONDS);
            EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, o);
            assertEquals(FailureKind.NOT_AVAILABLE, f.kind());
            assertTrue(f.message().contains("edit pipeline"), f.message());
        }
    }

    @Test
    void failuresAreMappedToKinds() {
        assertEquals(FailureKind.OUT_OF_MEMORY, LocalEngine.failure(new RuntimeException("x",
                new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB"))).kind());
        assertEquals(FailureKind.OUT_OF_MEMORY, LocalEngine.failure(new OutOfMemoryError("Java heap space")).kind());
        assertEquals(FailureKind.BAD_INPUT, LocalEngine.failure(new IllegalArgumentException("mask: x")).kind());
        assertEquals(FailureKind.INTERNAL, LocalEngine.failure(new NullPointerException()).kind());
        EngineEvent.Failed damaged = LocalEngine.failure(new dev.atelier.inference.io.WeightFormatException(
                java.nio.file.Path.of("vae/model.safetensors"), "file is 0 bytes"));
        assertEquals(FailureKind.MODEL_INVALID, damaged.kind());
        assertEquals("vae/model.safetensors: file is 0 bytes", damaged.message());
        assertTrue(damaged.suggestion().contains("Download the file again"), damaged.suggestion());
        EngineEvent.Failed f = LocalEngine.failure(EngineError.outOfMemory("out of GPU memory", null));
        assertTrue(!f.suggestion().isEmpty());
    }

    @Test
    void fakeEngineReplaysStagesStepsAndDoneOnItsThread() throws Exception {
        try (FakeEngine fake = new FakeEngine()) {
            Recorder rec = new Recorder();
            EngineEvent.Outcome o = fake.run(EDIT, rec).outcome().get(10, TimeUnit.SECONDS);
            EngineEvent.Done done = assertInstanceOf(EngineEvent.Done.class, o);
            assertEquals(64, done.image().width());
            assertEquals(48, done.parameters().height());
            assertEquals(5, done.parameters().seed());
            List<EngineEvent.Step> steps = rec.events.stream().filter(EngineEvent.Step.class::isInstance)
                    .map(EngineEvent.Step.class::cast).toList();
            assertEquals(4, steps.size());
            assertEquals(4, steps.get(3).index());
            assertEquals(32, steps.get(0).preview().width());
            assertInstanceOf(EngineEvent.Stage.class, rec.events.get(0));
            assertTrue(rec.events.stream().anyMatch(EngineEvent.Memory.class::isInstance));
            assertEquals(o, rec.events.get(rec.events.size() - 1));
            assertNotEquals(Thread.currentThread().getName(), rec.threads.get(0));
            assertEquals(List.of(EDIT), fake.requests());
        }
    }

    @Test
    void cancelStopsBetweenSteps() throws Exception {
        try (FakeEngine fake = new FakeEngine(FakeEngine.Script.done().withSteps(10).stepByStep())) {
            Recorder rec = new Recorder();
            JobHandle h = fake.run(EDIT, rec);
            fake.advance();
            fake.advance();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rec.events.stream().filter(EngineEvent.Step.class::isInstance).count() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            h.cancel();
            EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, h.outcome().get(10, TimeUnit.SECONDS));
            assertTrue(f.cancelled());
            assertEquals(2, rec.events.stream().filter(EngineEvent.Step.class::isInstance).count());
        }
    }

    @Test
    void scriptedFailuresAndQueuedScripts() throws Exception {
        try (FakeEngine fake = new FakeEngine(FakeEngine.Script.done().withStepDelay(Duration.ofMillis(1)))) {
            fake.enqueue(FakeEngine.Script.failing(FailureKind.OUT_OF_MEMORY, "out of GPU memory", "use quick-preview"));
            Recorder rec = new Recorder();
            JobHandle first = fake.run(EDIT, rec);
            JobHandle second = fake.run(EDIT, EngineListener.NONE);
            EngineEvent.Failed f = assertInstanceOf(EngineEvent.Failed.class, first.await());
            assertEquals(FailureKind.OUT_OF_MEMORY, f.kind());
            assertEquals("use quick-preview", f.suggestion());
            assertInstanceOf(EngineEvent.Done.class, second.await());
            assertEquals(2, fake.requests().size());
        }
    }

    @Test
    void cancelDuringLoadEndsBeforeAnyStep() throws Exception {
        try (FakeEngine fake = new FakeEngine(FakeEngine.Script.done().withStageDelay(Duration.ofMillis(200)))) {
            Recorder rec = new Recorder();
            JobHandle h = fake.run(EDIT, rec);
            while (rec.events.isEmpty()) {
                Thread.sleep(2);
            }
            h.cancel();
            assertTrue(assertInstanceOf(EngineEvent.Failed.class, h.outcome().get(10, TimeUnit.SECONDS)).cancelled());
            assertTrue(rec.events.stream().noneMatch(EngineEvent.Step.class::isInstance));
        }
    }

    @Test
    void cancelBeforeStartEndsWithoutRunning() throws Exception {
        try (FakeEngine fake = new FakeEngine(FakeEngine.Script.done().stepByStep())) {
            JobHandle blocker = fake.run(EDIT, EngineListener.NONE);
            Recorder rec = new Recorder();
            JobHandle queued = fake.run(EDIT, rec);
            queued.cancel();
            blocker.cancel();
            assertTrue(assertInstanceOf(EngineEvent.Failed.class, queued.outcome().get(10, TimeUnit.SECONDS)).cancelled());
            assertEquals(1, rec.events.size());
        }
    }
}
