package dev.atelier.app.view;

import dev.atelier.app.canvas.MaskPyramid;
import dev.atelier.app.canvas.PhotoPyramid;
import dev.atelier.app.canvas.TiledLayer;
import dev.atelier.app.document.Document;
import dev.atelier.app.document.DocumentListener;
import dev.atelier.app.document.Rect;
import dev.atelier.app.viewmodel.CanvasViewModel;
import dev.atelier.app.viewmodel.MaskToolViewModel;
import javafx.application.Platform;
import javafx.geometry.Point2D;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.paint.ImagePattern;

/**
 * The painting surface: photo, mask overlay, checkerboard, pixel grid and brush outline drawn into a Canvas the
 * size of the viewport from {@link TiledLayer} caches. Redraws are coalesced to one per FX pulse.
 */
public final class CanvasView extends Region {
    private javafx.scene.image.Image compareImage;
    private double compareSplit = 1;
    private static final double WHEEL_STEP = 1.0018; // per wheel delta unit: one notch (40) is about 7.5 %

    private final Canvas canvas = new Canvas();
    private final CanvasViewModel view;
    private final MaskToolViewModel tool;
    private final ImagePattern checker = checkerPattern();
    private Document document;
    private TiledLayer photoLayer;
    private TiledLayer maskLayer;
    private MaskPyramid maskPyramid;
    private final DocumentListener listener = new DocumentListener() {
        @Override public void maskChanged(Rect region) {
            maskPyramid.update(region);
            maskLayer.invalidate(region);
            requestRedraw();
        }

        @Override public void photoChanged() {
            rebuild();
        }
    };
    private boolean redrawPending;
    private boolean spaceDown;
    private boolean panning;
    private double lastX, lastY;
    private double mouseX = Double.NaN, mouseY;
    private Color background = Color.web("#2b2b2b");
    private Color gridColor = Color.rgb(128, 128, 128, 0.5);

    public CanvasView(javafx.beans.value.ObservableObjectValue<Document> doc, CanvasViewModel view, MaskToolViewModel tool) {
        this.view = view;
        this.tool = tool;
        setId("canvas");
        getStyleClass().add("canvas-view");
        getChildren().add(canvas);
        setFocusTraversable(true);
        setMinSize(100, 100);
        doc.addListener((o, old, d) -> bind(d));
        bind(doc.get());
        for (var p : new javafx.beans.Observable[] {view.scaleProperty(), view.offsetXProperty(), view.offsetYProperty(),
                view.pixelGridProperty(), tool.overlayOpacityProperty(), tool.sizeProperty()}) {
            p.addListener(o -> requestRedraw());
        }
        tool.overlayColorProperty().addListener((o, a, c) -> {
            if (maskPyramid != null) {
                maskPyramid.setColor(toRgb(c));
                maskLayer.invalidateAll();
            }
            requestRedraw();
        });
        addEventHandler(ScrollEvent.SCROLL, this::onScroll);
        addEventHandler(MouseEvent.MOUSE_PRESSED, this::onPressed);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::onDragged);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::onReleased);
        addEventHandler(MouseEvent.MOUSE_MOVED, e -> { mouseX = e.getX(); mouseY = e.getY(); requestRedraw(); });
        addEventHandler(MouseEvent.MOUSE_EXITED, e -> { mouseX = Double.NaN; requestRedraw(); });
    }

    /** Space held: primary-button drags pan instead of painting. */
    public void setSpaceDown(boolean down) {
        spaceDown = down;
        setCursor(down ? javafx.scene.Cursor.OPEN_HAND : javafx.scene.Cursor.DEFAULT);
    }

    public void setColors(Color background, Color grid) {
        this.background = background;
        this.gridColor = grid;
        requestRedraw();
    }

    private void bind(Document d) {
        if (document != null) document.removeListener(listener);
        document = d;
        if (d != null) d.addListener(listener);
        rebuild();
    }

    private void rebuild() {
        if (document == null) {
            photoLayer = maskLayer = null;
            maskPyramid = null;
        } else {
            photoLayer = new TiledLayer(new PhotoPyramid(document.photo()));
            maskPyramid = new MaskPyramid(document.mask(), toRgb(tool.overlayColorProperty().get()));
            maskLayer = new TiledLayer(maskPyramid);
        }
        requestRedraw();
    }

    @Override
    protected void layoutChildren() {
        double w = Math.floor(getWidth()), h = Math.floor(getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            view.viewportWidthProperty().set(w);
            view.viewportHeightProperty().set(h);
            redraw();
        }
    }

    /**
     * Shows {@code image} (a result of the photo's aspect) over the photo from the left edge up to {@code split}
     * (0..1) of the width, the mask overlay hidden; null ends the comparison.
     */
    public void setCompare(javafx.scene.image.Image image, double split) {
        compareImage = image;
        compareSplit = Math.max(0, Math.min(1, split));
        requestRedraw();
    }

    public javafx.scene.image.Image compareImage() {
        return compareImage;
    }

    public void requestRedraw() {
        if (redrawPending) return;
        redrawPending = true;
        Platform.runLater(() -> {
            redrawPending = false;
            redraw();
        });
    }

    /** Draws one frame now. */
    public void redraw() {
        GraphicsContext gc = canvas.getGraphicsContext2D();
        double vw = canvas.getWidth(), vh = canvas.getHeight();
        gc.setGlobalAlpha(1);
        gc.setFill(background);
        gc.fillRect(0, 0, vw, vh);
        if (document == null || photoLayer == null) return;
        double s = view.scale(), ox = view.offsetXProperty().get(), oy = view.offsetYProperty().get();
        double x0 = Math.max(0, Math.round(ox)), y0 = Math.max(0, Math.round(oy));
        double x1 = Math.min(vw, Math.round(ox + document.width() * s)), y1 = Math.min(vh, Math.round(oy + document.height() * s));
        if (x1 <= x0 || y1 <= y0) return;
        gc.setFill(checker);
        gc.fillRect(x0, y0, x1 - x0, y1 - y0);
        gc.setImageSmoothing(s < 2);
        photoLayer.draw(gc, ox, oy, s, vw, vh);
        if (compareImage != null) {
            double w = document.width() * s, h = document.height() * s, cut = w * compareSplit;
            if (cut > 0) {
                double iw = compareImage.getWidth(), ih = compareImage.getHeight();
                gc.drawImage(compareImage, 0, 0, iw * compareSplit, ih, ox, oy, cut, h);
                gc.setStroke(Color.WHITE);
                gc.setLineWidth(2);
                gc.strokeLine(ox + cut, Math.max(0, oy), ox + cut, Math.min(vh, oy + h));
            }
        } else {
            gc.setGlobalAlpha(tool.overlayOpacityProperty().get());
            maskLayer.draw(gc, ox, oy, s, vw, vh);
            gc.setGlobalAlpha(1);
        }
        if (view.showsPixelGrid()) drawGrid(gc, ox, oy, s, x0, y0, x1, y1);
        if (!Double.isNaN(mouseX) && !spaceDown) {
            double r = tool.sizeProperty().get() * s / 2;
            gc.setLineWidth(1);
            gc.setStroke(Color.rgb(0, 0, 0, 0.7));
            gc.strokeOval(mouseX - r - 1, mouseY - r - 1, 2 * r + 2, 2 * r + 2);
            gc.setStroke(Color.rgb(255, 255, 255, 0.9));
            gc.strokeOval(mouseX - r, mouseY - r, 2 * r, 2 * r);
        }
    }

    private void drawGrid(GraphicsContext gc, double ox, double oy, double s, double x0, double y0, double x1, double y1) {
        gc.setStroke(gridColor);
        gc.setLineWidth(1);
        int ix0 = (int) Math.floor((x0 - ox) / s), ix1 = (int) Math.ceil((x1 - ox) / s);
        int iy0 = (int) Math.floor((y0 - oy) / s), iy1 = (int) Math.ceil((y1 - oy) / s);
        for (int i = ix0; i <= ix1; i++) {
            double x = Math.round(ox + i * s) + 0.5;
            gc.strokeLine(x, y0, x, y1);
        }
        for (int j = iy0; j <= iy1; j++) {
            double y = Math.round(oy + j * s) + 0.5;
            gc.strokeLine(x0, y, x1, y);
        }
    }

    private void onScroll(ScrollEvent e) {
        if (e.getDeltaY() == 0) return;
        view.zoomAt(Math.pow(WHEEL_STEP, e.getDeltaY()), e.getX(), e.getY());
        e.consume();
    }

    private void onPressed(MouseEvent e) {
        requestFocus();
        lastX = e.getX();
        lastY = e.getY();
        if (e.getButton() == MouseButton.MIDDLE || e.getButton() == MouseButton.PRIMARY && spaceDown) {
            panning = true;
            setCursor(javafx.scene.Cursor.CLOSED_HAND);
        } else if (e.getButton() == MouseButton.PRIMARY) {
            Point2D p = view.toImage(e.getX(), e.getY());
            tool.beginStroke(p.getX(), p.getY(), 1.0);
        }
        e.consume();
    }

    private void onDragged(MouseEvent e) {
        mouseX = e.getX();
        mouseY = e.getY();
        if (panning) {
            view.panBy(e.getX() - lastX, e.getY() - lastY);
        } else if (tool.isStroking()) {
            Point2D p = view.toImage(e.getX(), e.getY());
            tool.strokeTo(p.getX(), p.getY(), 1.0); // JavaFX reports no pen pressure
        }
        lastX = e.getX();
        lastY = e.getY();
        requestRedraw();
        e.consume();
    }

    private void onReleased(MouseEvent e) {
        if (panning) {
            panning = false;
            setSpaceDown(spaceDown);
        } else if (tool.isStroking()) {
            tool.endStroke();
        }
        e.consume();
    }

    /** Photo tiles (re)rendered so far: stays flat while only the view moves over cached tiles. */
    public int photoTilesRendered() {
        return photoLayer == null ? 0 : photoLayer.tilesRendered();
    }

    private static ImagePattern checkerPattern() {
        int n = 8;
        WritableImage img = new WritableImage(2 * n, 2 * n);
        for (int y = 0; y < 2 * n; y++) {
            for (int x = 0; x < 2 * n; x++) {
                boolean light = (x / n + y / n) % 2 == 0;
                img.getPixelWriter().setArgb(x, y, light ? 0xFFCCCCCC : 0xFF999999);
            }
        }
        return new ImagePattern(img, 0, 0, 2 * n, 2 * n, false);
    }

    private static int toRgb(Color c) {
        return (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8 | (int) Math.round(c.getBlue() * 255);
    }
}
