package dev.atelier.app;

import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.io.LoadedImage;
import dev.atelier.app.viewmodel.StudioViewModel;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.List;

/** A generated landscape with a painted mask, for screenshots and first starts without a photo. */
final class DemoScene {
    private DemoScene() {}

    static void open(StudioViewModel vm) {
        int w = 1800, h = 1200;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(0x5b8cc7), 0, h * 0.6f, new Color(0xf3c99b)));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(0xfff1c4));
        g.fill(new Ellipse2D.Double(w * 0.68, h * 0.18, 160, 160));
        g.setColor(new Color(0x4d5d78));
        g.fill(mountain(w, h, 0.62, new double[] {0, 0.35, 0.18, 0.22, 0.38, 0.42, 0.6, 0.28, 0.82, 0.4, 1, 0.3}));
        g.setColor(new Color(0x35485a));
        g.fill(mountain(w, h, 0.7, new double[] {0, 0.55, 0.25, 0.45, 0.5, 0.58, 0.75, 0.5, 1, 0.56}));
        g.setPaint(new GradientPaint(0, h * 0.7f, new Color(0x3e6b48), 0, h, new Color(0x223d2a)));
        g.fillRect(0, (int) (h * 0.72), w, h);
        g.setColor(new Color(0x6b4a32));
        g.fillRect((int) (w * 0.3), (int) (h * 0.66), 26, 150);
        g.setColor(new Color(0x2f5e35));
        g.fill(new Ellipse2D.Double(w * 0.3 - 90, h * 0.5, 206, 200));
        g.dispose();
        GenerationParameters p = new GenerationParameters("把天空换成日落时的晚霞, warm golden light", "blurry, low quality",
                42, "draft", 20, 4.0, 0.85, List.of("qwen-image-edit-2511-Q4_K_M.gguf"));
        vm.openImage(new LoadedImage(img, List.of(), p), "lakeside.png");
        var tool = vm.maskTool();
        tool.sizeProperty().set(140);
        tool.beginStroke(200, 260, 1);
        for (int i = 0; i <= 40; i++) {
            double t = i / 40.0;
            tool.strokeTo(200 + t * 1000, 260 + Math.sin(t * Math.PI * 2) * 90, 1);
        }
        tool.endStroke();
        for (int i = 0; i < 2; i++) {
            vm.addResult(new dev.atelier.app.document.ResultImage("demo" + i, sunset(img, 0.55 + 0.25 * i),
                    new GenerationParameters(p.prompt(), p.negative(), 42 + i, "draft", 20, 4.0, 0.85, p.modelFiles()),
                    java.time.Instant.now(), false));
        }
        vm.canvas().fit();
        vm.statusProperty().set(vm.messages().get("status.demo"));
    }

    /** A stand-in "result": the sky tinted towards a sunset (the demo has no model). */
    private static BufferedImage sunset(BufferedImage src, double amount) {
        int w = src.getWidth(), h = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            double k = y < h * 0.62 ? amount * (1 - y / (h * 0.62)) : 0;
            for (int x = 0; x < w; x++) {
                int c = src.getRGB(x, y);
                int r = (int) ((c >> 16 & 255) * (1 - k) + 0xf2 * k), g = (int) ((c >> 8 & 255) * (1 - k) + 0x7a * k),
                        b = (int) ((c & 255) * (1 - k) + 0x4a * k);
                out.setRGB(x, y, 0xFF000000 | r << 16 | g << 8 | b);
            }
        }
        return out;
    }

    private static Path2D mountain(int w, int h, double base, double[] pts) {
        Path2D p = new Path2D.Double();
        p.moveTo(0, h * base + 200);
        for (int i = 0; i < pts.length; i += 2) p.lineTo(pts[i] * w, pts[i + 1] * h);
        p.lineTo(w, h * base + 200);
        p.closePath();
        return p;
    }
}
