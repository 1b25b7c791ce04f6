package dev.atelier.inference.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings of the Qwen2-VL image processor. Defaults are transformers 5.17's {@code Qwen2VLImageProcessor} class
 * attributes; {@link #fromFolder(Path)} reads a processor folder the way {@code from_pretrained} does
 * ({@code processor_config.json}'s {@code image_processor} section, else {@code preprocessor_config.json};
 * {@code min_pixels}/{@code max_pixels} override {@code size.shortest_edge}/{@code size.longest_edge}).
 *
 * @param minPixels smallest resized area ({@code size.shortest_edge})
 * @param maxPixels largest resized area ({@code size.longest_edge})
 * @param resample PIL resampling id (3 = bicubic, 2 = bilinear)
 */
// Ported from transformers 5.17 src/transformers/models/qwen2_vl/image_processing_qwen2_vl.py
public record ImageProcessorConfig(
        boolean doResize, int resample, boolean doRescale, double rescaleFactor, boolean doNormalize,
        double[] imageMean, double[] imageStd, boolean doConvertRgb, long minPixels, long maxPixels,
        int patchSize, int temporalPatchSize, int mergeSize) {

    public static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    public ImageProcessorConfig {
        if (patchSize <= 0 || temporalPatchSize <= 0 || mergeSize <= 0) {
            throw new IllegalArgumentException("patch_size, temporal_patch_size and merge_size must be positive");
        }
        if (minPixels <= 0 || maxPixels < minPixels) {
            throw new IllegalArgumentException("need 0 < min_pixels <= max_pixels, got " + minPixels + ", " + maxPixels);
        }
        if (imageMean.length != 3 || imageStd.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values (RGB)");
        }
        if (resample != 2 && resample != 3) {
            throw new IllegalArgumentException("resample " + resample + " is not supported (3 = bicubic, 2 = bilinear)");
        }
    }

    /** transformers' defaults (the Qwen2.5-VL / Qwen-Image processor configs equal them except max_pixels). */
    public static ImageProcessorConfig defaults() {
        return new ImageProcessorConfig(true, 3, true, 1 / 255.0, true, OPENAI_CLIP_MEAN.clone(),
                OPENAI_CLIP_STD.clone(), true, 56 * 56, 28 * 28 * 1280, 14, 2, 2);
    }

    /** The spatial factor sizes are rounded to: {@code patch_size * merge_size}. */
    public int factor() {
        return patchSize * mergeSize;
    }

    public static ImageProcessorConfig fromFolder(Path dir) {
        Path processor = dir.resolve("processor_config.json");
        Path preprocessor = dir.resolve("preprocessor_config.json");
        try {
            ObjectMapper json = new ObjectMapper();
            if (Files.isRegularFile(processor)) {
                JsonNode n = json.readTree(processor.toFile()).path("image_processor");
                if (n.isObject()) {
                    return fromJson(n, processor);
                }
            }
            if (Files.isRegularFile(preprocessor)) {
                return fromJson(json.readTree(preprocessor.toFile()), preprocessor);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the image processor config: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(dir + ": neither processor_config.json (image_processor) nor "
                + "preprocessor_config.json; point at the Qwen-Image 'processor' folder");
    }

    public static ImageProcessorConfig fromJson(JsonNode n, Path source) {
        ImageProcessorConfig d = defaults();
        String type = n.path("image_processor_type").asText("Qwen2VLImageProcessor");
        if (!type.startsWith("Qwen2VLImageProcessor")) {
            throw new IllegalArgumentException(source + ": image_processor_type " + type
                    + " is not a Qwen2-VL image processor");
        }
        long min = n.path("size").path("shortest_edge").asLong(d.minPixels);
        long max = n.path("size").path("longest_edge").asLong(d.maxPixels);
        if (n.hasNonNull("min_pixels")) {
            min = n.get("min_pixels").asLong();
        }
        if (n.hasNonNull("max_pixels")) {
            max = n.get("max_pixels").asLong();
        }
        return new ImageProcessorConfig(
                n.path("do_resize").asBoolean(d.doResize),
                n.path("resample").asInt(d.resample),
                n.path("do_rescale").asBoolean(d.doRescale),
                n.path("rescale_factor").asDouble(d.rescaleFactor),
                n.path("do_normalize").asBoolean(d.doNormalize),
                triple(n.get("image_mean"), d.imageMean, source),
                triple(n.get("image_std"), d.imageStd, source),
                n.path("do_convert_rgb").asBoolean(d.doConvertRgb),
                min, max,
                n.path("patch_size").asInt(d.patchSize),
                n.path("temporal_patch_size").asInt(d.temporalPatchSize),
                n.path("merge_size").asInt(d.mergeSize));
    }

    private static double[] triple(JsonNode n, double[] dflt, Path source) {
        if (n == null || n.isNull()) {
            return dflt.clone();
        }
        if (n.isNumber()) {
            return new double[] {n.asDouble(), n.asDouble(), n.asDouble()};
        }
        if (!n.isArray() || n.size() != 3) {
            throw new IllegalArgumentException(source + ": image_mean/image_std must be a number or 3 numbers, got " + n);
        }
        return new double[] {n.get(0).asDouble(), n.get(1).asDouble(), n.get(2).asDouble()};
    }
}
