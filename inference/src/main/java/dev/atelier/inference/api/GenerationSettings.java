package dev.atelier.inference.api;

import java.util.List;

/**
 * The sampling settings shared by every request, usually taken from a preset and then changed by the user.
 *
 * @param preset  the preset these came from (recorded for recall; "" when none)
 * @param weights transformer weight precision
 * @param seed    noise seed (any 64-bit value; see {@code noise.NoiseGenerator})
 * @param steps   denoising steps, 1..{@value #MAX_STEPS}
 * @param cfg     true-CFG scale, 1..{@value #MAX_CFG}; 1 = no negative pass (Lightning/Turbo)
 * @param shift   {@code null}: the model's scheduler config (dynamic shift from the image size); a value {@code s}:
 *                fixed shift {@code s} (mu = ln s, the Lightning setting is 3)
 * @param loras   LoRAs to merge, in order
 */
public record GenerationSettings(String preset, WeightVariant weights, long seed, int steps, double cfg, Double shift,
        List<LoraSpec> loras) {
    public static final int MAX_STEPS = 200;
    public static final double MAX_CFG = 20;
    public static final int MAX_LORAS = 8;

    public GenerationSettings {
        preset = preset == null ? "" : preset;
        weights = weights == null ? WeightVariant.AUTO : weights;
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("steps: " + steps + " is outside 1.." + MAX_STEPS
                    + " (4 with a Lightning/Turbo LoRA, 30-60 otherwise)");
        }
        if (!Double.isFinite(cfg) || cfg < 1 || cfg > MAX_CFG) {
            throw new IllegalArgumentException("cfg: " + cfg + " is outside 1.." + MAX_CFG + " (1 = off, 4 is typical)");
        }
        if (shift != null && (!Double.isFinite(shift) || shift <= 0 || shift > 100)) {
            throw new IllegalArgumentException("shift: " + shift + " must be a positive number up to 100 (3 for Lightning), "
                    + "or absent for the model's own schedule");
        }
        loras = loras == null ? List.of() : List.copyOf(loras);
        if (loras.size() > MAX_LORAS) {
            throw new IllegalArgumentException("loras: " + loras.size() + " given, at most " + MAX_LORAS);
        }
    }

    /** Defaults of the draft preset (40 steps, true CFG 4, model schedule). */
    public static GenerationSettings defaults(long seed) {
        return new GenerationSettings("", WeightVariant.AUTO, seed, 40, 4.0, null, List.of());
    }

    public GenerationSettings withSeed(long s) {
        return new GenerationSettings(preset, weights, s, steps, cfg, shift, loras);
    }

    public GenerationSettings withSteps(int n) {
        return new GenerationSettings(preset, weights, seed, n, cfg, shift, loras);
    }

    public GenerationSettings withCfg(double c) {
        return new GenerationSettings(preset, weights, seed, steps, c, shift, loras);
    }

    public GenerationSettings withShift(Double s) {
        return new GenerationSettings(preset, weights, seed, steps, cfg, s, loras);
    }

    public GenerationSettings withLoras(List<LoraSpec> l) {
        return new GenerationSettings(preset, weights, seed, steps, cfg, shift, l);
    }

    public GenerationSettings withWeights(WeightVariant w) {
        return new GenerationSettings(preset, w, seed, steps, cfg, shift, loras);
    }

    /** True CFG runs a second (negative) transformer pass per step. */
    public boolean trueCfg() {
        return cfg > 1;
    }
}
