package dev.atelier.inference.api;

import dev.atelier.inference.image.ImageLimits;
import dev.atelier.inference.pipeline.Dimensions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Edit a photo (Qwen-Image-Edit-2511): with a mask it is an inpaint (only the masked area changes, the rest stays
 * bit-identical), without one the whole image is edited by the prompt. A mask of another size than the source is
 * resized by the pipeline (with a note); an empty mask is rejected here.
 *
 * @param references extra images the prompt can refer to ("the hat from picture 2"), 0..{@value #MAX_REFERENCES}
 * @param strength   how far from the source the masked area may move, (0, 1]; 1 = fully regenerated
 */
public record EditRequest(Path model, RgbImage source, MaskImage mask, List<RgbImage> references, String prompt,
        String negative, double strength, SizePolicy size, GenerationSettings settings) implements Request {
    public static final int MAX_REFERENCES = 3;
    /** Reference images more elongated than this relative to the source are refused (they would be squeezed). */
    public static final double MAX_ASPECT_RATIO_FACTOR = 8;

    public EditRequest {
        Request.checkModel(model);
        if (source == null) {
            throw new IllegalArgumentException("source: missing; open or drop the photo to edit");
        }
        checkMinSide("source", source);
        if (mask != null && mask.isEmpty()) {
            throw new IllegalArgumentException("mask: nothing is painted; paint the area to change, or clear the mask to "
                    + "edit the whole image");
        }
        references = references == null ? List.of() : List.copyOf(references);
        if (references.size() > MAX_REFERENCES) {
            throw new IllegalArgumentException("references: " + references.size() + " images, at most " + MAX_REFERENCES);
        }
        for (int i = 0; i < references.size(); i++) {
            checkMinSide("references[" + i + "]", references.get(i));
            double ratio = references.get(i).aspect() / source.aspect();
            if (ratio > MAX_ASPECT_RATIO_FACTOR || ratio < 1 / MAX_ASPECT_RATIO_FACTOR) {
                throw new IllegalArgumentException("references[" + i + "]: aspect ratio " + references.get(i).width() + "x"
                        + references.get(i).height() + " is too far from the source's " + source.width() + "x"
                        + source.height() + "; crop it closer to the subject");
            }
        }
        prompt = Request.checkPrompt("prompt", prompt, true);
        negative = Request.checkPrompt("negative", negative, false);
        if (!(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength: " + strength + " must be in (0, 1] (1 = repaint fully)");
        }
        size = size == null ? SizePolicy.matchSource() : size;
        Objects.requireNonNull(settings, "settings");
    }

    /** Images below one 2×2 patch of 8-pixel latents carry nothing the model can use ({@link ImageLimits#MIN_SIDE}). */
    private static void checkMinSide(String field, RgbImage img) {
        if (img.width() < ImageLimits.MIN_SIDE || img.height() < ImageLimits.MIN_SIDE) {
            throw new IllegalArgumentException(field + ": " + img.width() + "x" + img.height() + " pixels; Qwen-Image "
                    + "needs at least " + ImageLimits.MIN_SIDE + "x" + ImageLimits.MIN_SIDE + " — use a larger image");
        }
    }

    public static EditRequest of(Path model, RgbImage source, String prompt, GenerationSettings settings) {
        return new EditRequest(model, source, null, List.of(), prompt, "", 1.0, SizePolicy.matchSource(), settings);
    }

    public EditRequest withMask(MaskImage m) {
        return new EditRequest(model, source, m, references, prompt, negative, strength, size, settings);
    }

    public EditRequest withReferences(List<RgbImage> r) {
        return new EditRequest(model, source, mask, r, prompt, negative, strength, size, settings);
    }

    public EditRequest withNegative(String n) {
        return new EditRequest(model, source, mask, references, prompt, n, strength, size, settings);
    }

    public EditRequest withStrength(double s) {
        return new EditRequest(model, source, mask, references, prompt, negative, s, size, settings);
    }

    public EditRequest withSize(SizePolicy s) {
        return new EditRequest(model, source, mask, references, prompt, negative, strength, s, settings);
    }

    public EditRequest withSettings(GenerationSettings s) {
        return new EditRequest(model, source, mask, references, prompt, negative, strength, size, s);
    }

    /** The size of the final image under the size policy (MATCH_SOURCE: the source's size). */
    public int[] outputSize() {
        return switch (size.mode()) {
            case MATCH_SOURCE -> new int[] {source.width(), source.height()};
            case EXACT -> new int[] {size.width(), size.height()};
            case MODEL_AREA -> {
                Dimensions.Size d = Dimensions.calculateDimensions((double) size.width() * size.height(), source.aspect());
                yield new int[] {d.width(), d.height()};
            }
        };
    }
}
