package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.model.qwenvl.PromptEmbeds;
import dev.atelier.inference.model.qwenvl.PromptTemplate;
import dev.atelier.inference.model.qwenvl.QwenTokenizer;
import dev.atelier.inference.model.qwenvl.QwenVlImageProcessor;
import dev.atelier.inference.model.qwenvl.QwenVlModel;
import dev.atelier.inference.model.qwenvl.QwenVlProcessor;
import dev.atelier.inference.model.qwenvl.QwenVlPromptEncoder;
import dev.atelier.inference.model.qwenvl.TokenBatch;
import java.nio.file.Path;
import java.util.List;

// Ported from diffusers src/diffusers/pipelines/qwenimage/pipeline_qwenimage.py and pipeline_qwenimage_edit_plus.py
// (encode_prompt, _get_qwen_prompt_embeds) @58eb52c0803ea9af3abec60841c2a093bdf1f951
/**
 * The pipelines' {@code encode_prompt}: template, tokenizer/processor, Qwen2.5-VL hidden states, drop of the template
 * head, and {@code mask = None} when every token is real (always for one prompt).
 */
public final class PromptEncoder implements AutoCloseable {
    /** {@code max_sequence_length} default of the text-to-image {@code __call__}. */
    public static final int T2I_MAX_SEQUENCE_LENGTH = 512;

    private final QwenVlModel model;
    private final QwenVlPromptEncoder encoder;
    private final QwenTokenizer tokenizer;
    private final QwenVlProcessor processor;

    private PromptEncoder(QwenVlModel model, QwenTokenizer tokenizer, QwenVlProcessor processor) {
        this.model = model;
        this.encoder = new QwenVlPromptEncoder(model);
        this.tokenizer = tokenizer;
        this.processor = processor;
    }

    /** @param tokens a {@code processor/} folder (edit, with images) or a {@code tokenizer/} folder (text only) */
    static PromptEncoder create(QwenVlModel model, Path tokens, boolean withImages) {
        if (withImages) {
            QwenVlProcessor p = new QwenVlProcessor(QwenTokenizer.fromFolder(tokens), QwenVlImageProcessor.fromFolder(tokens));
            return new PromptEncoder(model, p.tokenizer(), p);
        }
        return new PromptEncoder(model, QwenTokenizer.fromFolder(tokens), null);
    }

    /** From loaded parts ({@code processor} null: text only); used for ComfyUI single files ({@link ComfyModelSource}). */
    static PromptEncoder of(QwenVlModel model, QwenTokenizer tokenizer, QwenVlProcessor processor) {
        return new PromptEncoder(model, tokenizer, processor);
    }

    /**
     * {@code encode_prompt(prompt, image=images)} with the pipeline's template; {@code images} are the condition
     * images (edit-plus: 384² area; edit-inpaint: the working-size image), empty for text-to-image.
     */
    public Conditioning encode(PromptTemplate template, String prompt, List<RgbBytes> images, NDManager out) {
        PromptEmbeds e;
        if (template == PromptTemplate.T2I) {
            TokenBatch t = tokenizer.encode(List.of(template.format(prompt)), template.maxTokens().orElse(Integer.MAX_VALUE));
            e = encoder.encode(t.inputIds(), t.attentionMask(), null, null, template.dropIndex(), out)
                    .truncate(T2I_MAX_SEQUENCE_LENGTH);
        } else {
            if (processor == null) {
                throw new IllegalStateException("this model folder has no processor/: it cannot encode images");
            }
            e = encoder.encode(processor.encodePrompts(template, List.of(prompt), images), template, out);
        }
        NDArray mask = e.mask();
        if (e.maskIsAllOnes()) {
            mask.close();
            mask = null;
        }
        return new Conditioning(e.embeds(), mask);
    }

    public QwenVlModel model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
