package dev.atelier.inference.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.parity.FixtureSupport;
import dev.atelier.inference.parity.ParityResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowMatchEulerSchedulerTest {
    @Test
    void matchesDiffusersOnEveryFixtureCase() throws Exception {
        List<ParityResult> r = FixtureSupport.assertParity(new SchedulerParityCheck());
        assertTrue(r.stream().anyMatch(x -> x.check().contains("euler_walk")), "euler walk compared");
    }

    @Test
    void readsTheModelSchedulerConfig() {
        var dir = FixtureSupport.fixture().editModel().orElseThrow();
        SchedulerConfig c = SchedulerConfig.read(dir.resolve("scheduler").resolve("scheduler_config.json"));
        assertTrue(c.useDynamicShifting());
        assertTrue(c.hasShiftTerminal());
        assertEquals(SchedulerConfig.TimeShiftType.EXPONENTIAL, c.timeShiftType());
    }

    @Test
    void lightningFixedShiftEqualsStaticShiftThree() {
        // exponential time shift with mu = ln 3 is exactly the static shift 3: 3s / (1 + 2s)
        FlowMatchEulerScheduler dyn = new FlowMatchEulerScheduler(SchedulerConfig.qwenImage().withFixedMu(Math.log(3)));
        FlowMatchEulerScheduler stat = new FlowMatchEulerScheduler(SchedulerConfig.qwenImage().withStaticShift(3));
        dyn.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(4), dyn.mu(4096));
        stat.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(4), Double.NaN);
        assertArrayEquals(stat.sigmas(), dyn.sigmas(), 1e-6f);
        assertEquals(0f, dyn.sigmas()[4]);
        assertEquals(0.9f, dyn.sigmas()[1], 1e-6f);
        FlowMatchEulerScheduler run = FlowMatchEulerScheduler.forRun(SchedulerConfig.qwenImage(), 3.0, 4, 1024);
        assertArrayEquals(dyn.sigmas(), run.sigmas());
        FlowMatchEulerScheduler model = FlowMatchEulerScheduler.forRun(SchedulerConfig.qwenImage(), null, 4, 256);
        assertEquals(0.02f, model.sigmas()[3], 1e-6f); // shift_terminal kept without a fixed shift
    }

    @Test
    void strengthSkipsTheFirstTimestepsAndNoisesAtTheBeginIndex() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.qwenImage());
        s.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(10), s.mu(4096));
        FlowMatchEulerScheduler.StrengthSchedule st = s.getTimesteps(0.9);
        assertEquals(9, st.numInferenceSteps());
        assertEquals(1, st.startIndex());
        assertEquals(s.timesteps()[1], st.timesteps()[0]);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(2, 3));
            NDArray n = m.zeros(new ai.djl.ndarray.types.Shape(2, 3));
            float sigma = s.sigma(1);
            assertEquals(1f - sigma, s.scaleNoise(x, n).getFloat(0, 0), 0f);
            s.step(new float[] {0f}, new float[] {0f});
            assertEquals(2, s.stepIndex());
            assertEquals(1f - s.sigma(2), s.scaleNoise(x, n).getFloat(1, 2), 0f);
        }
    }

    @Test
    void rejectsBadUse() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.qwenImage());
        assertThrows(IllegalStateException.class, () -> s.step(new float[1], new float[1]));
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(4), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> FlowMatchEulerScheduler.pipelineSigmas(0));
        s.setTimesteps(FlowMatchEulerScheduler.pipelineSigmas(1), 0.5);
        s.step(new float[1], new float[1]);
        assertThrows(IllegalStateException.class, () -> s.step(new float[1], new float[1]));
    }
}
