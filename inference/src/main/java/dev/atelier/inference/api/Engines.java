package dev.atelier.inference.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.engine.QwenImageRunners;

/** How the studio gets an engine without touching the engine's internals. */
public final class Engines {
    private Engines() {}

    /**
     * The in-process engine (its own thread) as the environment says: the GPU in bf16 when one is set up
     * ({@code ATELIER_DEVICE}=auto|gpu|cpu), the VRAM budget from {@code ATELIER_BUDGET} or free memory.
     */
    public static Engine local() {
        return QwenImageRunners.localEngine();
    }

    /**
     * The in-process engine with the studio's settings.
     *
     * @param device      "auto" (the GPU when one is set up), "gpu" or "cpu"; null = auto
     * @param budgetBytes VRAM budget for the whole process; 0 = free GPU memory minus a margin, per job
     */
    public static Engine local(String device, long budgetBytes) {
        var s = dev.atelier.inference.engine.EngineSettings.fromEnvironment()
                .withDevice(dev.atelier.inference.engine.ComputeTarget.Choice.parse(device)).withBudget(budgetBytes);
        return QwenImageRunners.localEngine(s);
    }

    /**
     * The in-process engine working at about {@code workingAreaPixels} instead of the models' 1024² (tests on the
     * fixture's tiny models, quick CPU previews).
     */
    public static Engine local(long workingAreaPixels) {
        if (workingAreaPixels < 64 * 64) {
            throw new IllegalArgumentException("working area: " + workingAreaPixels + " pixels, at least 64x64");
        }
        return QwenImageRunners.localEngine(new QwenImageRunners(NDManager.newBaseManager(Device.cpu()), workingAreaPixels));
    }
}
