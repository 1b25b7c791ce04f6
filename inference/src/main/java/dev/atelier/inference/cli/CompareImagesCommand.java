package dev.atelier.inference.cli;

import dev.atelier.inference.api.RgbImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code atelier compare-images A B}: how far two images of the same size are apart, per 8-bit channel value
 * (e.g. a GPU bf16 result against the CPU float32 one of the same seed). Prints
 * {@code COMPARE max_abs=.. mean_abs=.. rel_max=.. rel_mean=..}, relative to the full range 255.
 */
@Command(name = "compare-images", mixinStandardHelpOptions = true,
        description = "Difference of two images of the same size (max / mean absolute, relative to 255).")
final class CompareImagesCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A")
    Path a;

    @Parameters(index = "1", paramLabel = "B")
    Path b;

    @Override
    public Integer call() {
        RgbImage x = CliImageFiles.read("A", a);
        RgbImage y = CliImageFiles.read("B", b);
        if (x.width() != y.width() || x.height() != y.height()) {
            System.err.println("error: " + a + " is " + x.width() + "x" + x.height() + ", " + b + " is " + y.width() + "x"
                    + y.height());
            return 2;
        }
        byte[] p = x.toRgbBytes();
        byte[] q = y.toRgbBytes();
        long max = 0;
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            int d = Math.abs((p[i] & 0xFF) - (q[i] & 0xFF));
            max = Math.max(max, d);
            sum += d;
        }
        double mean = sum / p.length;
        System.out.printf(Locale.ROOT, "COMPARE %s %s %dx%d max_abs=%d mean_abs=%.4f rel_max=%.4f rel_mean=%.5f%n", a, b,
                x.width(), x.height(), max, mean, max / 255.0, mean / 255.0);
        return 0;
    }
}
