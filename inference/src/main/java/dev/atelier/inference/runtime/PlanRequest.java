package dev.atelier.inference.runtime;

/**
 * What a job needs from the planner.
 *
 * @param width           output width in pixels
 * @param height          output height in pixels
 * @param referenceImages reference images fed to the transformer as extra tokens (edit: 1-3; text-to-image: 0)
 * @param steps           denoising steps
 * @param cfgForwards     transformer forwards per step (1 without true CFG, 2 with: cond + uncond)
 * @param textTokens      prompt tokens after the template is dropped (a safe upper estimate)
 * @param budgetBytes     VRAM the whole process may use (NVML peak), e.g. from {@link MemoryPlanner#defaultBudget}
 * @param computeBytes    bytes per activation element (2 for bf16/fp16, 4 for f32)
 * @param fusedAttention  true when attention runs as one SDPA kernel (no L x L scores in memory)
 * @param overlapCopies   true when block copies overlap with compute (separate CUDA stream)
 * @param forceTiledVae   decode in tiles even if a whole decode seems to fit (the OOM retry sets it)
 */
public record PlanRequest(int width, int height, int referenceImages, int steps, int cfgForwards, int textTokens,
                          long budgetBytes, int computeBytes, boolean fusedAttention, boolean overlapCopies,
                          boolean forceTiledVae) {
    public PlanRequest {
        if (width < 16 || height < 16) {
            throw new IllegalArgumentException("image size must be at least 16x16, got " + width + "x" + height);
        }
        if (referenceImages < 0 || steps < 1 || cfgForwards < 1 || cfgForwards > 2 || textTokens < 0) {
            throw new IllegalArgumentException("referenceImages >= 0, steps >= 1, cfgForwards 1 or 2, textTokens >= 0;"
                    + " got " + referenceImages + ", " + steps + ", " + cfgForwards + ", " + textTokens);
        }
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("VRAM budget must be positive, got " + budgetBytes);
        }
        if (computeBytes != 2 && computeBytes != 4) {
            throw new IllegalArgumentException("computeBytes must be 2 (bf16/fp16) or 4 (f32), got " + computeBytes);
        }
    }

    /** A 1024x1024 edit with one reference image, CFG 4 (two forwards), 40 steps, bf16, within {@code budget}. */
    public static PlanRequest edit1024(long budget) {
        return new PlanRequest(1024, 1024, 1, 40, 2, 512, budget, 2, true, true, false);
    }

    public PlanRequest withBudget(long b) {
        return new PlanRequest(width, height, referenceImages, steps, cfgForwards, textTokens, b, computeBytes,
                fusedAttention, overlapCopies, forceTiledVae);
    }

    public PlanRequest withSteps(int s, int forwards) {
        return new PlanRequest(width, height, referenceImages, s, forwards, textTokens, budgetBytes, computeBytes,
                fusedAttention, overlapCopies, forceTiledVae);
    }

    public PlanRequest withTiledVae() {
        return new PlanRequest(width, height, referenceImages, steps, cfgForwards, textTokens, budgetBytes,
                computeBytes, fusedAttention, overlapCopies, true);
    }

    /** Image tokens of one image: (W/16) x (H/16) (VAE /8, then 2x2 patches). */
    public long tokensPerImage() {
        return (long) (width / 16) * (height / 16);
    }

    /** Image tokens the transformer sees: the target plus each reference (diffusers resizes references to ~the same area). */
    public long imageTokens() {
        return tokensPerImage() * (1 + referenceImages);
    }

    public long pixels() {
        return (long) width * height;
    }
}
