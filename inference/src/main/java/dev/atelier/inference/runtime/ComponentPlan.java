package dev.atelier.inference.runtime;

import java.util.List;

/**
 * Where one component lives.
 *
 * @param gpuBytes          its weights on the GPU during its stage (resident blocks + non-block weights when streamed)
 * @param activationBytes   activations + streaming buffers + allocator slack during its stage
 * @param blocks            per-block placement (empty unless it has blocks)
 * @param streamedBytesPerForward bytes copied host→GPU per forward (0 unless STREAMED)
 */
public record ComponentPlan(ComponentRole role, String name, Placement placement, long weightBytes, long gpuBytes,
                            long activationBytes, List<BlockPlacement> blocks, long streamedBytesPerForward) {
    /** Where the weights are. */
    public enum Placement {
        /** On the GPU for the whole job, and kept there between jobs. */
        RESIDENT,
        /** Moved to the GPU for its stage, back to (pinned) host memory after it ("stage offload"). */
        STAGED,
        /** Some blocks resident for its stage, the others copied from pinned host memory per forward. */
        STREAMED,
        /** Runs on the CPU (only the text encoder, when not even streaming fits). */
        CPU
    }

    public ComponentPlan {
        blocks = List.copyOf(blocks);
    }

    public long residentBlocks() {
        return blocks.stream().filter(b -> !b.streamed()).count();
    }

    /** Peak on the GPU during its own stage. */
    public long stagePeakBytes() {
        return placement == Placement.CPU ? 0 : gpuBytes + activationBytes;
    }

    public String describe() {
        String what = switch (placement) {
            case RESIDENT -> "resident";
            case STAGED -> "on the GPU for its stage only";
            case STREAMED -> residentBlocks() + " of " + blocks.size() + " blocks resident, "
                    + Bytes.format(streamedBytesPerForward) + " streamed per forward";
            case CPU -> "on the CPU";
        };
        return name + ": " + Bytes.format(weightBytes) + " weights, " + what
                + (placement == Placement.CPU ? "" : ", stage peak " + Bytes.format(stagePeakBytes()));
    }
}
