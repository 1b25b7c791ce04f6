package dev.atelier.app.viewmodel;

import dev.atelier.app.document.Document;
import dev.atelier.app.mask.BrushSettings;
import dev.atelier.app.mask.BrushStroke;
import dev.atelier.app.mask.MaskOps;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableObjectValue;
import javafx.scene.paint.Color;

/** Brush/eraser settings, the stroke in progress and the whole-mask commands. */
public final class MaskToolViewModel {
    public enum Tool { BRUSH, ERASER }

    public static final double MIN_SIZE = 1, MAX_SIZE = 2000;

    private final ObservableObjectValue<Document> document;
    private final ObjectProperty<Tool> tool = new SimpleObjectProperty<>(Tool.BRUSH);
    private final DoubleProperty size = new SimpleDoubleProperty(80);
    private final DoubleProperty hardness = new SimpleDoubleProperty(0.7);
    private final DoubleProperty opacity = new SimpleDoubleProperty(1.0);
    private final DoubleProperty overlayOpacity = new SimpleDoubleProperty(0.5);
    private final ObjectProperty<Color> overlayColor = new SimpleObjectProperty<>(Color.web("#ff3b5c"));
    private final IntegerProperty opRadius = new SimpleIntegerProperty(8);
    private BrushStroke stroke;

    MaskToolViewModel(ObservableObjectValue<Document> document) {
        this.document = document;
        size.addListener((o, a, b) -> {
            double v = b.doubleValue();
            if (v < MIN_SIZE || v > MAX_SIZE) size.set(Math.max(MIN_SIZE, Math.min(MAX_SIZE, v)));
        });
    }

    public ObjectProperty<Tool> toolProperty() { return tool; }
    public DoubleProperty sizeProperty() { return size; }
    public DoubleProperty hardnessProperty() { return hardness; }
    public DoubleProperty opacityProperty() { return opacity; }
    public DoubleProperty overlayOpacityProperty() { return overlayOpacity; }
    public ObjectProperty<Color> overlayColorProperty() { return overlayColor; }
    /** Pixels for grow, shrink and feather. */
    public IntegerProperty opRadiusProperty() { return opRadius; }

    public BrushSettings brush() {
        return new BrushSettings(size.get(), clamp01(hardness.get()), clamp01(opacity.get()), tool.get() == Tool.ERASER);
    }

    // ---- strokes (image coordinates; pressure 1 when the platform reports none) ----------------------------------

    public void beginStroke(double x, double y, double pressure) {
        Document d = document.get();
        if (d == null) return;
        stroke = new BrushStroke(d.mask(), brush());
        d.maskPainted(stroke.lineTo(x, y, pressure));
    }

    public void strokeTo(double x, double y, double pressure) {
        Document d = document.get();
        if (d == null || stroke == null) return;
        d.maskPainted(stroke.lineTo(x, y, pressure));
    }

    public void endStroke() {
        Document d = document.get();
        if (d == null || stroke == null) return;
        d.recordMaskEdit(stroke.finish(tool.get() == Tool.ERASER ? "Erase" : "Paint mask"));
        stroke = null;
    }

    public boolean isStroking() {
        return stroke != null;
    }

    // ---- keys and commands ---------------------------------------------------------------------------------

    public void selectBrush() { tool.set(Tool.BRUSH); }

    public void selectEraser() { tool.set(Tool.ERASER); }

    public void swapTool() {
        tool.set(tool.get() == Tool.BRUSH ? Tool.ERASER : Tool.BRUSH);
    }

    /** {@code ]}: about 15 % bigger (at least one pixel). */
    public void biggerBrush() {
        size.set(Math.min(MAX_SIZE, Math.max(size.get() + 1, Math.round(size.get() * 1.15))));
    }

    /** {@code [}: about 15 % smaller (at least one pixel). */
    public void smallerBrush() {
        size.set(Math.max(MIN_SIZE, Math.min(size.get() - 1, Math.round(size.get() / 1.15))));
    }

    public void invert() { op("Invert mask", m -> MaskOps.invert(m)); }

    public void clear() { op("Clear mask", m -> MaskOps.clear(m)); }

    public void fill() { op("Fill mask", m -> MaskOps.fill(m)); }

    public void grow() { op("Grow mask", m -> MaskOps.growShrink(m, opRadius.get())); }

    public void shrink() { op("Shrink mask", m -> MaskOps.growShrink(m, -opRadius.get())); }

    public void feather() { op("Feather mask", m -> MaskOps.feather(m, opRadius.get())); }

    private void op(String label, java.util.function.Consumer<dev.atelier.app.mask.Mask> f) {
        Document d = document.get();
        if (d == null || stroke != null) return;
        d.applyMaskOp(label, f);
    }

    private static double clamp01(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
