package dev.atelier.inference.api;

import dev.atelier.inference.engine.LocalEngine;

/** How the studio gets an engine without touching the engine's internals. */
public final class Engines {
    private Engines() {}

    /**
     * The in-process engine (its own thread; CPU float32 until GPU placement lands). Until the pipelines are merged
     * its jobs end with NOT_AVAILABLE; then both methods delegate to {@code engine.QwenImageRunners.localEngine}.
     */
    public static Engine local() {
        return LocalEngine.withoutPipelines();
    }

    /**
     * The in-process engine working at about {@code workingAreaPixels} instead of the models' 1024² (tests on the
     * fixture's tiny models, quick CPU previews).
     */
    public static Engine local(long workingAreaPixels) {
        if (workingAreaPixels < 64 * 64) {
            throw new IllegalArgumentException("working area: " + workingAreaPixels + " pixels, at least 64x64");
        }
        return LocalEngine.withoutPipelines();
    }
}
