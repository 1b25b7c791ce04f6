package dev.atelier.inference.model.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.image.ImageFiles;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.image.VaeSizePolicy;
import dev.atelier.inference.image.VaeImageProcessor;
import dev.atelier.inference.io.SafetensorsFile;
import dev.atelier.inference.parity.Fixture;
import dev.atelier.inference.parity.Moments;
import dev.atelier.inference.parity.Parity;
import dev.atelier.inference.parity.ParityCheck;
import dev.atelier.inference.parity.ParityResult;
import dev.atelier.inference.parity.Tolerance;
import dev.atelier.inference.pipeline.Dimensions;
import dev.atelier.inference.pipeline.Latents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The VAE as the pipelines drive it, against the pipeline references:
 * <ul>
 *   <li>{@code pipeline_edit}: the reference image through {@link VaeSizePolicy#editVaeImageSize} (Lanczos),
 *       {@link VaeImageProcessor#preprocess}, encode (mode), edit-plus normalisation and packing against
 *       {@code cfg4.image_latents_first256} and {@code cfg4.image_latents_stats} ({@link Tolerance#FORWARD}; sums
 *       scaled by the element count);</li>
 *   <li>every {@code [cfgN.]decode_input_raw} of {@code pipeline_edit} / {@code pipeline_t2i}: decode and
 *       {@code postprocess(output_type="pt")} against {@code [cfgN.]output_pt} ({@link Tolerance#IMAGE}).</li>
 * </ul>
 */
public final class VaePipelineParityCheck implements ParityCheck {
    @Override
    public String name() {
        return "vae.pipeline";
    }

    @Override
    public boolean applies(Fixture fixture) {
        return VaeParityCheck.vaeFolder(fixture).isPresent()
                && (fixture.hasReference("pipeline_edit") || fixture.hasReference("pipeline_t2i"));
    }

    @Override
    public List<ParityResult> run(Fixture fixture, NDManager manager) {
        List<ParityResult> results = new ArrayList<>();
        try (QwenImageVae vae = QwenImageVae.load(VaeParityCheck.vaeFolder(fixture).orElseThrow(), manager,
                Device.cpu(), DataType.FLOAT32)) {
            if (fixture.hasReference("pipeline_edit")) {
                try (SafetensorsFile ref = fixture.openReference("pipeline_edit");
                        NDManager m = manager.newSubManager()) {
                    String image = fixture.referenceInfo("pipeline_edit").path("image").asText("input_image.png");
                    encodeChecks(vae, ref, fixture.dir().resolve("reference").resolve(image), m, results);
                    decodeChecks(vae, ref, "pipeline_edit", m, results);
                }
            }
            if (fixture.hasReference("pipeline_t2i")) {
                try (SafetensorsFile ref = fixture.openReference("pipeline_t2i");
                        NDManager m = manager.newSubManager()) {
                    decodeChecks(vae, ref, "pipeline_t2i", m, results);
                }
            }
        }
        return results;
    }

    private static void encodeChecks(QwenImageVae vae, SafetensorsFile ref, Path imageFile, NDManager m,
            List<ParityResult> results) {
        String first = null;
        for (String k : ref.tensors().keySet()) {
            if (k.endsWith("image_latents_first256")) {
                first = k;
                break;
            }
        }
        if (first == null) {
            return;
        }
        String prefix = first.substring(0, first.length() - "image_latents_first256".length());
        RgbImage img;
        try {
            img = ImageFiles.readRgb(imageFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Dimensions.Size size = VaeSizePolicy.editVaeImageSize(img.width(), img.height());
        NDArray x = VaeImageProcessor.preprocess(img, size.width(), size.height(), m).expandDims(2);
        NDArray packed = Latents.pack(vae.normalize(vae.encode(x)));
        NDArray expected = ref.load(first, m, DataType.FLOAT32);
        long n = expected.getShape().get(1);
        results.add(Parity.compare("vae.pipeline_edit." + first,
                packed.get(new NDIndex(":, :{}, :", n)), expected, Tolerance.FORWARD));
        double[] stats = ref.load(prefix + "image_latents_stats", m, DataType.FLOAT64).toDoubleArray();
        Moments v = Moments.of(packed.toType(DataType.FLOAT64, false).toDoubleArray());
        double count = v.count();
        results.add(Parity.exact("vae.pipeline_edit." + prefix + "image_latents_count", new long[] {v.count()},
                new long[] {(long) stats[5]}));
        // the sums compared as means (per-element scale, so the bound is the per-element tolerance)
        results.add(Parity.compare("vae.pipeline_edit." + prefix + "image_latents_stats",
                new double[] {v.sum() / count, v.sumAbs() / count, v.sumSq() / count, v.min(), v.max()},
                new double[] {stats[0] / stats[5], stats[1] / stats[5], stats[2] / stats[5], stats[3], stats[4]},
                Tolerance.FORWARD));
    }

    private static void decodeChecks(QwenImageVae vae, SafetensorsFile ref, String name, NDManager m,
            List<ParityResult> results) {
        for (String k : ref.tensors().keySet()) {
            if (!k.endsWith("decode_input_raw")) {
                continue;
            }
            String prefix = k.substring(0, k.length() - "decode_input_raw".length());
            String out = ref.contains(prefix + "output_pt") ? prefix + "output_pt" : "cfg4.output_pt";
            if (!ref.contains(out)) {
                continue;
            }
            NDArray px = vae.decode(ref.load(k, m, DataType.FLOAT32), null);
            NDArray frame = px.squeeze(2);
            // postprocess(output_type="pt"): (x / 2 + 0.5).clamp(0, 1)
            NDArray image = frame.div(2f).add(0.5f).clip(0f, 1f);
            results.add(Parity.compare("vae." + name + "." + out, image, ref, out,
                    Tolerance.IMAGE, m));
        }
    }
}
