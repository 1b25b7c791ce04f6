package dev.atelier.app.viewmodel;

import dev.atelier.app.document.Document;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.mask.Mask;
import dev.atelier.inference.api.EditRequest;
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

    /** The engine's record of a finished job as the studio's record (adds the size policy of the request). */
    public static GenerationParameters fromEngine(dev.atelier.inference.api.GenerationParameters e, EditRequest r) {
        return new GenerationParameters(e.prompt(), e.negative(), e.seed(), e.preset(), e.steps(), e.cfg(),
                e.strength() == null ? 0 : e.strength(), e.modelFiles(), e.model(),
                e.loras().stream().map(l -> new GenerationParameters.Lora(l.file(), l.strength())).toList(), e.shift(),
                e.weights() == null ? "" : e.weights().name(), r.size().mode().name(), r.size().width(), r.size().height());
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
