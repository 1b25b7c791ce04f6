package dev.atelier.inference.api;

/** Which precision of the transformer weights a run uses. */
public enum WeightVariant {
    /** Whatever the model folder holds (bf16 diffusers weights, or the single file given). */
    AUTO,
    /** bfloat16 weights. */
    BF16,
    /** float8 e4m3 weights with scales (ComfyUI fp8 files), computed in bf16. */
    FP8
}
