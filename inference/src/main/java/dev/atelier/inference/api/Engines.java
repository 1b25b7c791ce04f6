package dev.atelier.inference.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.engine.QwenImageRunners;

/** How the studio gets an engine without touching the engine's internals. */
public final class Engines {
    private Engines() {}

    /** The in-process engine (its own thread; CPU float32 until GPU placement lands). */
    public static Engine local() {
        return QwenImageRunners.localEngine();
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
