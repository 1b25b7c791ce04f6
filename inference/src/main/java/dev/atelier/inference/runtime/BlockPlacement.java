package dev.atelier.inference.runtime;

/**
 * Where one transformer block's weights live during the denoising loop. The transformer's forward reads this:
 * {@code RESIDENT} blocks are on the GPU for the whole job; {@code STREAMED} blocks stay in pinned host memory and
 * are copied to a GPU buffer just before their forward (prefetched one block ahead on a copy stream when
 * {@link PlanRequest#overlapCopies()}), then dropped.
 *
 * @param index the block's position in execution order
 * @param key   the weight prefix ("transformer_blocks.17")
 * @param bytes device bytes of its weights
 */
public record BlockPlacement(int index, String key, long bytes, Residency residency) {
    public enum Residency { RESIDENT, STREAMED }

    public boolean streamed() {
        return residency == Residency.STREAMED;
    }
}
