package dev.atelier.app.viewmodel;

import javafx.beans.binding.Bindings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.value.ObservableStringValue;
import javafx.geometry.Point2D;

/**
 * Zoom and pan of the canvas: {@code scale} screen pixels per image pixel, {@code offsetX/Y} the screen position of
 * image pixel (0, 0). The view reports its size through {@code viewportWidth/Height}.
 */
public final class CanvasViewModel {
    public static final double MIN_SCALE = 1.0 / 64;
    public static final double MAX_SCALE = 64;
    /** From this zoom on, the pixel grid is drawn. */
    public static final double GRID_SCALE = 8;
    private static final double STEP = 1.25;

    private final DoubleProperty scale = new SimpleDoubleProperty(1);
    private final DoubleProperty offsetX = new SimpleDoubleProperty();
    private final DoubleProperty offsetY = new SimpleDoubleProperty();
    private final DoubleProperty viewportWidth = new SimpleDoubleProperty(800);
    private final DoubleProperty viewportHeight = new SimpleDoubleProperty(600);
    private final IntegerProperty imageWidth = new SimpleIntegerProperty(1);
    private final IntegerProperty imageHeight = new SimpleIntegerProperty(1);
    private final BooleanProperty fitting = new SimpleBooleanProperty(true);
    private final BooleanProperty pixelGrid = new SimpleBooleanProperty(true);
    private final ObservableStringValue zoomText =
            Bindings.createStringBinding(() -> Math.round(scale.get() * 1000) / 10.0 + " %", scale);

    public CanvasViewModel() {
        viewportWidth.addListener((o, a, b) -> refitIfFitting());
        viewportHeight.addListener((o, a, b) -> refitIfFitting());
    }

    public DoubleProperty scaleProperty() { return scale; }
    public DoubleProperty offsetXProperty() { return offsetX; }
    public DoubleProperty offsetYProperty() { return offsetY; }
    public DoubleProperty viewportWidthProperty() { return viewportWidth; }
    public DoubleProperty viewportHeightProperty() { return viewportHeight; }
    public IntegerProperty imageWidthProperty() { return imageWidth; }
    public IntegerProperty imageHeightProperty() { return imageHeight; }
    /** True while the view follows the window size (after Fit, until the user zooms or pans). */
    public BooleanProperty fittingProperty() { return fitting; }
    public BooleanProperty pixelGridProperty() { return pixelGrid; }
    public ObservableStringValue zoomTextProperty() { return zoomText; }

    public double scale() { return scale.get(); }

    public boolean showsPixelGrid() {
        return pixelGrid.get() && scale.get() >= GRID_SCALE;
    }

    public void setImageSize(int w, int h) {
        imageWidth.set(w);
        imageHeight.set(h);
        fit();
    }

    /** Zooms by {@code factor} keeping the image point under screen point (sx, sy) fixed. */
    public void zoomAt(double factor, double sx, double sy) {
        double old = scale.get();
        double next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, old * factor));
        double ix = (sx - offsetX.get()) / old, iy = (sy - offsetY.get()) / old;
        fitting.set(false);
        scale.set(next);
        offsetX.set(sx - ix * next);
        offsetY.set(sy - iy * next);
    }

    public void zoomIn() {
        zoomAt(STEP, viewportWidth.get() / 2, viewportHeight.get() / 2);
    }

    public void zoomOut() {
        zoomAt(1 / STEP, viewportWidth.get() / 2, viewportHeight.get() / 2);
    }

    /** Whole image in view, centred. */
    public void fit() {
        double s = Math.min(viewportWidth.get() / imageWidth.get(), viewportHeight.get() / imageHeight.get()) * 0.96;
        s = Math.max(MIN_SCALE, Math.min(MAX_SCALE, s));
        scale.set(s);
        centre();
        fitting.set(true);
    }

    /** 100 %: one image pixel per screen pixel, keeping the view centre. */
    public void actualSize() {
        zoomAt(1 / scale.get(), viewportWidth.get() / 2, viewportHeight.get() / 2);
    }

    public void panBy(double dx, double dy) {
        fitting.set(false);
        offsetX.set(offsetX.get() + dx);
        offsetY.set(offsetY.get() + dy);
    }

    public Point2D toImage(double sx, double sy) {
        return new Point2D((sx - offsetX.get()) / scale.get(), (sy - offsetY.get()) / scale.get());
    }

    private void centre() {
        offsetX.set(Math.round((viewportWidth.get() - imageWidth.get() * scale.get()) / 2));
        offsetY.set(Math.round((viewportHeight.get() - imageHeight.get() * scale.get()) / 2));
    }

    private void refitIfFitting() {
        if (fitting.get()) fit();
    }
}
