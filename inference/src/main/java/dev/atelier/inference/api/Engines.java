package dev.atelier.inference.api;

import dev.atelier.inference.engine.LocalEngine;

/** How the studio gets an engine without touching the engine's internals. */
public final class Engines {
    private Engines() {}

    /** The in-process engine (its own thread; CPU float32 until GPU placement lands). */
    public static Engine local() {
        return LocalEngine.withoutPipelines();
    }
}
