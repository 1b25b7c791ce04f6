package dev.atelier.inference.api;

/**
 * A LoRA to apply: its file (a path, or for presets a bare file name looked up in the model's LoRA folders) and
 * its strength (the merge scale {@code s} in {@code W + s * delta}).
 */
public record LoraSpec(String file, double strength) {
    public static final double MAX_STRENGTH = 4.0;

    public LoraSpec {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("loras: a LoRA entry has no file");
        }
        if (!Double.isFinite(strength) || Math.abs(strength) > MAX_STRENGTH) {
            throw new IllegalArgumentException("loras: strength of " + file + " is " + strength + "; use a value in -"
                    + MAX_STRENGTH + ".." + MAX_STRENGTH + " (1 = as trained)");
        }
    }
}
