package dev.atelier.inference.model.qwenvl;

import java.util.OptionalInt;

/**
 * The chat templates the Qwen-Image pipelines wrap a prompt in before the text encoder, with the number of leading
 * template tokens they drop from the hidden states ({@code prompt_template_encode_start_idx}) and the tokenizer
 * truncation they apply.
 *
 * <ul>
 *   <li>{@link #T2I}: {@code QwenImagePipeline} (text-to-image): drop 34, tokenizer truncation to
 *       {@code tokenizer_max_length + drop = 1024 + 34} tokens.</li>
 *   <li>{@link #EDIT_PLUS}: {@code QwenImageEditPlusPipeline} (Qwen-Image-Edit-2509/2511): one
 *       {@code "Picture N: <|vision_start|><|image_pad|><|vision_end|>"} prefix per input image before the prompt,
 *       drop 64, no truncation (the processor is called with {@code padding=True} only).</li>
 *   <li>{@link #EDIT_INPAINT}: {@code QwenImageEditInpaintPipeline} / {@code QwenImageEditPipeline}: the single image
 *       placeholder inside the template, no "Picture" prefix, drop 64, no truncation.</li>
 * </ul>
 */
// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py,
// pipeline_qwenimage_edit_plus.py and pipeline_qwenimage_edit_inpaint.py @58eb52c0803ea9af3abec60841c2a093bdf1f951
public enum PromptTemplate {
    T2I("<|im_start|>system\nDescribe the image by detailing the color, shape, size, texture, quantity, text, "
            + "spatial relationships of the objects and background:<|im_end|>\n<|im_start|>user\n{}<|im_end|>\n"
            + "<|im_start|>assistant\n", 34, 0, 0, true),
    EDIT_PLUS(EditTemplates.SYSTEM + "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n", 64, 0,
            Integer.MAX_VALUE, false),
    EDIT_INPAINT(EditTemplates.SYSTEM + "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{}<|im_end|>\n"
            + "<|im_start|>assistant\n", 64, 1, 1, false);

    /** {@code self.tokenizer_max_length} of every Qwen-Image pipeline. */
    public static final int TOKENIZER_MAX_LENGTH = 1024;

    /** The per-image prefix of the edit-plus pipeline, {@code {}} = 1-based picture number. */
    public static final String IMG_PROMPT_TEMPLATE = "Picture {}: <|vision_start|><|image_pad|><|vision_end|>";

    private final String template;
    private final int dropIndex;
    private final int minImages;
    private final int maxImages;
    private final boolean truncates;

    PromptTemplate(String template, int dropIndex, int minImages, int maxImages, boolean truncates) {
        this.template = template;
        this.dropIndex = dropIndex;
        this.minImages = minImages;
        this.maxImages = maxImages;
        this.truncates = truncates;
    }

    /** The template text with {@code {}} where the (prefixed) prompt goes. */
    public String template() {
        return template;
    }

    /** Leading tokens of the encoded template dropped from the hidden states. */
    public int dropIndex() {
        return dropIndex;
    }

    /**
     * The tokenizer truncation of this pipeline: {@code 1024 + dropIndex} for {@link #T2I}, none for the edit
     * pipelines (their processor call does not truncate).
     */
    public OptionalInt maxTokens() {
        return truncates ? OptionalInt.of(TOKENIZER_MAX_LENGTH + dropIndex) : OptionalInt.empty();
    }

    /** Formats a prompt without images (T2I; EDIT_PLUS with no image gives no prefix). */
    public String format(String prompt) {
        return format(prompt, EDIT_INPAINT == this ? 1 : 0);
    }

    /**
     * Formats a prompt for {@code images} input images. EDIT_PLUS prepends one "Picture N: ..." per image (the
     * pipeline documents 1-3 images; more are formatted the same way); EDIT_INPAINT takes exactly one; T2I none.
     */
    public String format(String prompt, int images) {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null (use \"\" or \" \" for an empty prompt)");
        }
        if (images < minImages || images > maxImages) {
            throw new IllegalArgumentException(name() + " takes " + (minImages == maxImages ? minImages
                    : minImages + ".." + (maxImages == Integer.MAX_VALUE ? "n" : maxImages)) + " images, got " + images);
        }
        StringBuilder prefix = new StringBuilder();
        if (this == EDIT_PLUS) {
            for (int i = 0; i < images; i++) {
                prefix.append(IMG_PROMPT_TEMPLATE.replace("{}", Integer.toString(i + 1)));
            }
        }
        // str.format with one {} placeholder: the template holds no other braces.
        int at = template.indexOf("{}");
        return template.substring(0, at) + prefix + prompt + template.substring(at + 2);
    }

    private static final class EditTemplates {
        static final String SYSTEM = "<|im_start|>system\nDescribe the key features of the input image (color, shape, "
                + "size, texture, objects, background), then explain how the user's text instruction should alter or "
                + "modify the image. Generate a new image that meets the user's requirements while maintaining "
                + "consistency with the original input where appropriate.<|im_end|>\n";
    }
}
