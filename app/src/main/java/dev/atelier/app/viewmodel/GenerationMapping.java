package dev.atelier.app.viewmodel;

import dev.atelier.app.document.Document;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.mask.Mask;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.GenerateRequest;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.GenerationSettings;
import dev.atelier.inference.api.MaskImage;
import dev.atelier.inference.api.RgbImage;
import dev.atelier.inference.api.SizePolicy;
import dev.atelier.inference.api.WeightVariant;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/** The one place where the studio's document and prompt fields become engine requests, and results come back. */
public final class GenerationMapping {
    private GenerationMapping() {}

    /** The edit request for the document as it is now (the mask is copied: painting may go on during the job). */
    public static EditRequest editRequest(Path model, Document doc, PromptViewModel p, long seed) {
        RgbImage source = toRgb(doc.photo());
        Mask m = doc.mask();
        MaskImage mask = m.isEmpty() ? null : new MaskImage(m.width(), m.height(), m.data().clone());
        List<RgbImage> refs = doc.references().stream().map(ReferenceImage::image).map(GenerationMapping::toRgb).toList();
        var preset = p.presetProperty().get();
        GenerationSettings s = new GenerationSettings(preset == null ? "" : preset.name(),
                preset == null ? WeightVariant.AUTO : preset.weights(), seed, p.stepsProperty().get(),
                p.cfgProperty().get(), preset == null ? null : preset.shift(), List.copyOf(p.loras()));
        SizePolicy size = new SizePolicy(p.sizeModeProperty().get(), p.widthProperty().get(), p.heightProperty().get());
        return new EditRequest(model, source, mask, refs, p.promptProperty().get(), p.negativeProperty().get(),
                p.strengthProperty().get(), size, s);
    }

    /**
     * Text to image with the fields' settings (a generate-only preset such as turbo): the size follows the size
     * policy — exact sides, or about {@code width x height} pixels (keep photo size: the photo's area, at most the
     * model's 1024²) with the photo's aspect ratio, sides multiples of 16.
     */
    public static GenerateRequest generateRequest(Path model, Document doc, PromptViewModel p, long seed) {
        var preset = p.presetProperty().get();
        GenerationSettings s = new GenerationSettings(preset == null ? "" : preset.name(),
                preset == null ? WeightVariant.AUTO : preset.weights(), seed, p.stepsProperty().get(),
                p.cfgProperty().get(), preset == null ? null : preset.shift(), List.copyOf(p.loras()));
        int w, h;
        if (p.sizeModeProperty().get() == SizePolicy.Mode.EXACT) {
            w = p.widthProperty().get();
            h = p.heightProperty().get();
        } else {
            double area = p.sizeModeProperty().get() == SizePolicy.Mode.MODEL_AREA
                    ? (double) p.widthProperty().get() * p.heightProperty().get()
                    : Math.min((double) doc.width() * doc.height(), 1024.0 * 1024);
            double aspect = (double) doc.width() / doc.height();
            w = side(Math.sqrt(area * aspect));
            h = side(Math.sqrt(area / aspect));
        }
        return new GenerateRequest(model, p.promptProperty().get(), p.negativeProperty().get(), w, h, s);
    }

    private static int side(double v) {
        int r = (int) Math.round(v / 16) * 16;
        return Math.max(SizePolicy.MIN_SIDE, Math.min(SizePolicy.MAX_SIDE, r));
    }

    /** The engine's record of a finished job as the studio's record (adds the size policy of the request). */
    public static GenerationParameters fromEngine(dev.atelier.inference.api.GenerationParameters e, Request r) {
        SizePolicy size = switch (r) {
            case EditRequest er -> er.size();
            case GenerateRequest g -> SizePolicy.exact(g.width(), g.height());
        };
        return new GenerationParameters(e.prompt(), e.negative(), e.seed(), e.preset(), e.steps(), e.cfg(),
                e.strength() == null ? 0 : e.strength(), e.modelFiles(), e.model(),
                e.loras().stream().map(l -> new GenerationParameters.Lora(l.file(), l.strength())).toList(), e.shift(),
                e.weights() == null ? "" : e.weights().name(), size.mode().name(), size.width(), size.height());
    }

    public static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        return new RgbImage(w, h, img.getRGB(0, 0, w, h, null, 0, w));
    }

    public static BufferedImage toBuffered(RgbImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_ARGB);
        int[] dst = ((java.awt.image.DataBufferInt) b.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < dst.length; i++) dst[i] = img.argb()[i] | 0xFF000000;
        return b;
    }
}
