/**
 * Qwen2.5-VL as the Qwen-Image text encoder, and everything before it.
 *
 * <p>Before the model: {@link dev.atelier.inference.model.qwenvl.QwenTokenizer},
 * {@link dev.atelier.inference.model.qwenvl.PromptTemplate}, {@link dev.atelier.inference.model.qwenvl.QwenVlProcessor}
 * (tokens + Qwen2-VL image processing) produce a {@link dev.atelier.inference.model.qwenvl.QwenVlProcessor.Output}.
 *
 * <p>The model: {@link dev.atelier.inference.model.qwenvl.QwenVlModel#load(java.nio.file.Path, QwenVlConfig,
 * ai.djl.Device, ai.djl.ndarray.types.DataType)} takes a diffusers pipeline folder, a {@code text_encoder} folder or a
 * ComfyUI single file (bf16 or scaled fp8; the released 7B config is used when there is no config.json), in any of
 * the text-encoder key layouts of {@link dev.atelier.inference.io.KeyMapper}. It is
 * {@link dev.atelier.inference.model.qwenvl.QwenVisionTransformer} (patch embedding, 2-D rotary, windowed/full
 * attention, patch merger) + the splice of image tokens + {@link dev.atelier.inference.model.qwenvl.QwenVlTextModel}
 * (GQA with M-RoPE, SwiGLU, RMSNorm). Position ids: {@link dev.atelier.inference.model.qwenvl.RopeIndex} (by default
 * exactly what the diffusers pipelines get from transformers 5.17: sequential positions).
 *
 * <p>The pipeline stage: {@link dev.atelier.inference.model.qwenvl.QwenVlPromptEncoder#encode(QwenVlProcessor.Output,
 * PromptTemplate, ai.djl.ndarray.NDManager)} returns {@link dev.atelier.inference.model.qwenvl.PromptEmbeds} (masked
 * extraction, drop of the template head, padding, mask) as {@code _get_qwen_prompt_embeds} does.
 *
 * <p>Parity: {@link dev.atelier.inference.model.qwenvl.QwenVlParityChecks} (processor level) and
 * {@link dev.atelier.inference.model.qwenvl.QwenVlModelParityChecks} (vision tower, edit and text-to-image encoder).
 */
package dev.atelier.inference.model.qwenvl;
