package dev.atelier.inference.parity;

/**
 * {@code tol = atol + rtol * max|reference|}, per tensor. The values are the fixture README's acceptance
 * table for float32 on the CPU.
 */
public record Tolerance(double atol, double rtol) {
    public static final Tolerance EXACT = new Tolerance(0, 0);
    public static final Tolerance SCHEDULER = new Tolerance(1e-6, 1e-6);
    /** Single forward of the transformer, VAE, text encoder or vision tower; also LoRA/comfy/GGUF forwards. */
    public static final Tolerance FORWARD = new Tolerance(1e-5, 1e-4);
    /** Pipeline latents, per step and final. */
    public static final Tolerance LATENTS = new Tolerance(1e-4, 1e-3);
    /** Pipeline output images in [0, 1]. */
    public static final Tolerance IMAGE = new Tolerance(2e-3, 0);
    /** Processor pixel values: one 8-bit level after normalisation. */
    public static final Tolerance PIXELS = new Tolerance(0.016, 0);

    public double bound(double maxAbsReference) {
        return atol + rtol * maxAbsReference;
    }
}
