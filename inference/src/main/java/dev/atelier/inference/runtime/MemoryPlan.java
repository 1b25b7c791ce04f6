package dev.atelier.inference.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The planner's answer for one job: placement per component, per-block placement for the transformer, the VAE
 * decode mode, bytes moved, the predicted peak and time, and a sentence for the user.
 *
 * @param budgetBytes          the VRAM budget (whole process)
 * @param contextBytes         reserved for the CUDA context and library workspaces
 * @param mode                 the headline
 * @param components           in stage order
 * @param vaeTiling            how the VAE decodes
 * @param peakBytes            predicted process peak (context + the largest stage)
 * @param minimumBudgetBytes   when {@code TOO_SMALL}: the smallest budget that would work
 * @param streamedBytesPerStep transformer bytes copied host→GPU per denoising step
 * @param transferBytesPerJob  bytes moved host→GPU once per job (staged components, text encoder streaming)
 * @param estimate             predicted seconds
 */
public record MemoryPlan(long budgetBytes, long contextBytes, Mode mode, List<ComponentPlan> components,
                         VaeTiling vaeTiling, long peakBytes, long minimumBudgetBytes, long streamedBytesPerStep,
                         long transferBytesPerJob, Estimate estimate, PlanRequest request) {
    public enum Mode {
        /** Everything resident. */
        FITS,
        /** Fits with stage offload (components move in and out between stages). */
        STAGED,
        /** The transformer streams blocks every forward. */
        STREAMING,
        /** Not even one block plus activations fits. */
        TOO_SMALL
    }

    /**
     * Predicted seconds.
     *
     * @param textEncoder once per job (both prompts)
     * @param vae         reference encodes + final decode
     * @param perStep     one denoising step (all its forwards, copies overlapped or not)
     * @param transfers   staged components moved in per job
     * @param total       the job
     */
    public record Estimate(double textEncoder, double vae, double perStep, double transfers, double total) {
    }

    public MemoryPlan {
        components = List.copyOf(components);
    }

    public Optional<ComponentPlan> component(ComponentRole role) {
        return components.stream().filter(c -> c.role() == role).findFirst();
    }

    /** The transformer's per-block placement, in execution order (empty when there is no transformer). */
    public List<BlockPlacement> transformerBlocks() {
        return component(ComponentRole.TRANSFORMER).map(ComponentPlan::blocks).orElse(List.of());
    }

    public boolean feasible() {
        return mode != Mode.TOO_SMALL;
    }

    /** One sentence before the run: "fits", "streams 8.2 GiB per step", estimated seconds. */
    public String summary() {
        String head = switch (mode) {
            case FITS -> "fits: " + Bytes.format(peakBytes) + " of " + Bytes.format(budgetBytes) + " budget, all resident";
            case STAGED -> "fits with stage offload: peak " + Bytes.format(peakBytes) + " of " + Bytes.format(budgetBytes)
                    + ", " + Bytes.format(transferBytesPerJob) + " moved to the GPU per job";
            case STREAMING -> {
                ComponentPlan t = component(ComponentRole.TRANSFORMER).orElseThrow();
                yield "streams " + Bytes.format(streamedBytesPerStep) + " per step (" + t.residentBlocks() + " of "
                        + t.blocks().size() + " transformer blocks resident), peak " + Bytes.format(peakBytes)
                        + " of " + Bytes.format(budgetBytes);
            }
            case TOO_SMALL -> "does not fit: needs a budget of at least " + Bytes.format(minimumBudgetBytes)
                    + ", the budget is " + Bytes.format(budgetBytes) + "; choose a smaller image or fp8 weights";
        };
        if (mode == Mode.TOO_SMALL) {
            return head;
        }
        return head + String.format(Locale.ROOT, "; est. %.2f s/step, %.1f s for %d steps", estimate.perStep(),
                estimate.total(), request.steps());
    }

    /** The summary plus one line per component and the VAE decision. */
    public List<String> details() {
        List<String> out = new ArrayList<>();
        out.add(summary());
        for (ComponentPlan c : components) {
            out.add("  " + c.describe());
        }
        out.add("  VAE: " + vaeTiling.describe());
        out.add(String.format(Locale.ROOT, "  time: text encoder %.2f s, VAE %.2f s, %d x %.3f s steps, transfers %.2f s",
                estimate.textEncoder(), estimate.vae(), request.steps(), estimate.perStep(), estimate.transfers()));
        out.add("  reserve for CUDA context and workspaces " + Bytes.format(contextBytes));
        return out;
    }
}
