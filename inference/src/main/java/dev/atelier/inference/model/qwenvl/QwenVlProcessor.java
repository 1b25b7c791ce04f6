package dev.atelier.inference.model.qwenvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.image.RgbBytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Qwen2VLProcessor.__call__(text, images, padding=True)}: runs the image processor, replaces the k-th
 * {@code <|image_pad|>} of the texts (in reading order across the batch) by {@code grid_t*grid_h*grid_w/merge²}
 * copies for the k-th image, tokenises with right padding. Also the pipelines' prompt encoding front end
 * ({@link #encodePrompts}): template, "Picture N" prefixes, truncation.
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_vl/processing_qwen2_vl.py and diffusers
// src/diffusers/pipelines/qwenimage/pipeline_qwenimage*.py _get_qwen_prompt_embeds @58eb52c0803ea9af3abec60841c2a093bdf1f951
public final class QwenVlProcessor implements AutoCloseable {
    private final QwenTokenizer tokenizer;
    private final QwenVlImageProcessor imageProcessor;

    /** What the text encoder takes: ids/mask and, when images were given, their patches and grids. */
    public record Output(TokenBatch tokens, PixelPatches pixels) {
        public long[][] inputIds() {
            return tokens.inputIds();
        }

        public long[][] attentionMask() {
            return tokens.attentionMask();
        }

        /** True when the batch carries images. */
        public boolean hasImages() {
            return pixels != null;
        }

        /**
         * The model inputs as tensors on {@code manager}'s device, named like the transformers keys:
         * {@code input_ids} and {@code attention_mask} {@code [B, L]} int64, and with images {@code pixel_values}
         * {@code [patches, C*T*P*P]} float32 and {@code image_grid_thw} {@code [images, 3]} int64.
         */
        public NDList toNDList(NDManager manager) {
            NDList out = new NDList();
            Shape bl = new Shape(tokens.batchSize(), tokens.length());
            out.add(named(manager.create(tokens.flatIds(), bl), "input_ids"));
            out.add(named(manager.create(tokens.flatMask(), bl), "attention_mask"));
            if (pixels != null) {
                out.add(named(manager.create(pixels.pixelValues(), new Shape(pixels.shape())), "pixel_values"));
                out.add(named(manager.create(pixels.flatGrid(), new Shape(pixels.gridThw().length, 3)), "image_grid_thw"));
            }
            return out;
        }

        private static NDArray named(NDArray a, String name) {
            a.setName(name);
            return a;
        }
    }

    public QwenVlProcessor(QwenTokenizer tokenizer, QwenVlImageProcessor imageProcessor) {
        this.tokenizer = tokenizer;
        this.imageProcessor = imageProcessor;
    }

    /** A diffusers {@code processor/} folder: tokenizer files and the image processor config side by side. */
    public static QwenVlProcessor fromFolder(Path processorDir) {
        return new QwenVlProcessor(QwenTokenizer.fromFolder(processorDir), QwenVlImageProcessor.fromFolder(processorDir));
    }

    public QwenTokenizer tokenizer() {
        return tokenizer;
    }

    public QwenVlImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /** {@code processor(text=texts, images=images, padding=True)}; {@code images} may be empty. */
    public Output applyRgb(List<String> texts, List<RgbBytes> images) {
        return applyRgb(texts, images, Integer.MAX_VALUE);
    }

    private Output applyRgb(List<String> texts, List<RgbBytes> images, int maxLength) {
        PixelPatches pixels = images.isEmpty() ? null : imageProcessor.processRgb(images);
        List<String> expanded = new ArrayList<>(texts.size());
        int next = 0;
        int merge = imageProcessor.config().mergeSize();
        for (String t : texts) {
            StringBuilder sb = new StringBuilder(t.length());
            int from = 0;
            int at;
            while ((at = t.indexOf(QwenTokenizer.IMAGE_PAD, from)) >= 0) {
                if (pixels == null || next >= pixels.gridThw().length) {
                    throw new IllegalArgumentException("the texts hold more " + QwenTokenizer.IMAGE_PAD
                            + " placeholders than the " + images.size() + " images given");
                }
                sb.append(t, from, at);
                sb.append(QwenTokenizer.IMAGE_PAD.repeat(Math.toIntExact(pixels.imageTokens(next, merge))));
                next++;
                from = at + QwenTokenizer.IMAGE_PAD.length();
            }
            sb.append(t, from, t.length());
            expanded.add(sb.toString());
        }
        if (pixels != null && next != pixels.gridThw().length) {
            throw new IllegalArgumentException(images.size() + " images given but the texts hold only " + next + " "
                    + QwenTokenizer.IMAGE_PAD + " placeholders");
        }
        return new Output(tokenizer.encode(expanded, maxLength), pixels);
    }

    /**
     * The pipelines' text-encoder inputs for a batch of prompts: each prompt formatted with {@code template} (edit
     * templates get the image placeholders for {@code images}), then tokenised as the pipeline does — T2I with the
     * tokenizer alone and truncation to {@code 1024 + 34} tokens, the edit pipelines through the processor without
     * truncation. The same images go with every prompt (batch size 1 is what the edit pipelines support).
     */
    public Output encodePrompts(PromptTemplate template, List<String> prompts, List<RgbBytes> images) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts");
        }
        if (template == PromptTemplate.T2I && !images.isEmpty()) {
            throw new IllegalArgumentException("the text-to-image template takes no images");
        }
        List<String> texts = prompts.stream().map(p -> template.format(p, images.size())).toList();
        List<RgbBytes> all = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            all.addAll(images);
        }
        return applyRgb(texts, all, template.maxTokens().orElse(Integer.MAX_VALUE));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
