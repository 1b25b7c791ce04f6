package dev.atelier.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.Messages;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.viewmodel.MaskToolViewModel.Tool;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.control.Label;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The studio window on JavaFX's headless platform: paint, undo, zoom, export, re-open. */
@ExtendWith(ApplicationExtension.class)
class StudioUiTest {
    @TempDir Path tmp;
    private StudioViewModel vm;
    private MainWindow window;

    static final GenerationParameters PARAMS = new GenerationParameters("把天空换成晚霞", "blurry", 42, "draft", 20, 4.0,
            0.85, List.of("qwen-image-edit-2511.safetensors"));

    @Start
    void start(Stage stage) throws IOException {
        vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(), new ProjectStore(),
                new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
        vm.themeProperty().set(dev.atelier.app.viewmodel.Theme.LIGHT);
        window = new MainWindow(vm, 1100, 720);
        window.attach(stage);
        BufferedImage img = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 300; y++) for (int x = 0; x < 400; x++) img.setRGB(x, y, (x * 255 / 400) << 8 | 0x202080);
        Path photo = tmp.resolve("photo.png");
        ImageIO.write(img, "png", photo.toFile());
        vm.open(photo);
        stage.show();
    }

    private Point2D onCanvas(double fx, double fy) {
        Bounds b = window.canvasView().localToScreen(window.canvasView().getBoundsInLocal());
        return new Point2D(b.getMinX() + b.getWidth() * fx, b.getMinY() + b.getHeight() * fy);
    }

    @Test
    void paintUndoZoomExportAndReopen(FxRobot robot) {
        assertEquals("photo.png", vm.document().photoName());
        assertTrue(vm.document().mask().isEmpty());

        // Paint a stroke across the middle of the canvas.
        robot.moveTo(onCanvas(0.3, 0.5)).press(MouseButton.PRIMARY).moveTo(onCanvas(0.5, 0.52)).moveTo(onCanvas(0.7, 0.5))
                .release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(vm.document().mask().isEmpty(), "the drag painted the mask");
        Point2D mid = vm.canvas().toImage(window.canvasView().getWidth() * 0.5, window.canvasView().getHeight() * 0.51);
        assertTrue(vm.document().mask().get((int) mid.getX(), (int) mid.getY()) > 200, "painted under the cursor path");
        assertEquals("Paint mask", vm.undoLabelProperty().get());

        // The overlay is visible on screen: the canvas pixel under the stroke is tinted towards the overlay colour.
        WritableImage shot = snapshotCanvas();
        int tinted = shot.getPixelReader().getArgb((int) (shot.getWidth() * 0.5), (int) (shot.getHeight() * 0.505));
        assertTrue((tinted >> 16 & 0xff) > 120, "overlay red shows over the blue-green photo: " + Integer.toHexString(tinted));

        // Undo from the tool bar, redo from the keyboard, undo again.
        robot.clickOn("#undoButton");
        assertTrue(vm.document().mask().isEmpty(), "undo removed the stroke");
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z).release(KeyCode.Z, KeyCode.SHIFT, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(vm.document().mask().isEmpty(), "Ctrl+Shift+Z redid it");
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm.document().mask().isEmpty());

        // Zoom with the wheel, the buttons and 100 %.
        double fit = vm.canvas().scale();
        robot.moveTo(onCanvas(0.5, 0.5)).scroll(5, javafx.geometry.VerticalDirection.UP);
        WaitForAsyncUtils.waitForFxEvents();
        assertNotEquals(fit, vm.canvas().scale(), 1e-9);
        robot.clickOn("#actualSizeButton");
        assertEquals(1.0, vm.canvas().scale(), 1e-9);
        assertEquals("100.0 %", robot.lookup("#zoomText").queryAs(Label.class).getText());
        robot.clickOn("#zoomInButton");
        assertEquals(1.25, vm.canvas().scale(), 1e-9);
        robot.clickOn("#fitButton");
        assertEquals(fit, vm.canvas().scale(), 1e-9);

        // Tool keys.
        robot.type(KeyCode.E);
        assertEquals(Tool.ERASER, vm.maskTool().toolProperty().get());
        robot.type(KeyCode.X);
        assertEquals(Tool.BRUSH, vm.maskTool().toolProperty().get());
        double size = vm.maskTool().sizeProperty().get();
        robot.type(KeyCode.CLOSE_BRACKET);
        assertTrue(vm.maskTool().sizeProperty().get() > size);
        robot.type(KeyCode.OPEN_BRACKET, KeyCode.OPEN_BRACKET);
        assertTrue(vm.maskTool().sizeProperty().get() < size);

        // Export WebP with parameters, start over, re-open: the parameters are recalled.
        Path out = tmp.resolve("edit.webp");
        robot.interact(() -> {
            vm.parametersProperty().set(PARAMS);
            vm.export(out);
        });
        assertTrue(Files.isRegularFile(out), vm.statusProperty().get());
        robot.interact(() -> {
            vm.newDocument(64, 64);
            vm.parametersProperty().set(null);
            vm.open(out);
        });
        assertEquals(PARAMS, vm.parametersProperty().get());
        assertEquals(400, vm.document().width());
        assertTrue(robot.lookup("#statusText").queryAs(Label.class).getText().contains("recalled"));
    }

    private WritableImage snapshotCanvas() {
        WritableImage[] img = new WritableImage[1];
        new FxRobot().interact(() -> {
            window.canvasView().redraw();
            img[0] = window.canvasView().snapshot(null, null);
        });
        return img[0];
    }

    @Test
    void openingABrokenFileShowsTheMessageAndKeepsTheDocument(FxRobot robot) throws IOException {
        Path bad = Files.write(tmp.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        robot.interact(() -> vm.open(bad));
        assertEquals("photo.png", vm.document().photoName());
        assertTrue(vm.statusProperty().get().contains("broken.png"), vm.statusProperty().get());
    }

    @Test
    void panWithMiddleButtonAndSpaceDragAndPixelGridAtHighZoom(FxRobot robot) {
        double ox = vm.canvas().offsetXProperty().get();
        robot.moveTo(onCanvas(0.5, 0.5)).press(MouseButton.MIDDLE).moveTo(onCanvas(0.6, 0.5)).release(MouseButton.MIDDLE);
        WaitForAsyncUtils.waitForFxEvents();
        double moved = vm.canvas().offsetXProperty().get() - ox;
        assertTrue(moved > 20, "middle-drag pans: " + moved);
        assertTrue(vm.document().mask().isEmpty(), "panning does not paint");
        robot.press(KeyCode.SPACE).moveTo(onCanvas(0.6, 0.5)).press(MouseButton.PRIMARY).moveTo(onCanvas(0.5, 0.4))
                .release(MouseButton.PRIMARY).release(KeyCode.SPACE);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm.canvas().offsetXProperty().get() < ox + moved - 20, "space-drag pans back");
        assertTrue(vm.document().mask().isEmpty(), "space-drag does not paint");

        robot.interact(() -> {
            vm.canvas().actualSize();
            vm.canvas().zoomAt(16, window.canvasView().getWidth() / 2, window.canvasView().getHeight() / 2);
        });
        assertTrue(vm.canvas().showsPixelGrid());
        WritableImage shot = snapshotCanvas();
        double s = vm.canvas().scale(), cox = vm.canvas().offsetXProperty().get();
        int i = (int) Math.floor((shot.getWidth() / 2 - cox) / s);
        int lineX = (int) Math.round(cox + i * s), y = (int) (shot.getHeight() / 2);
        int line = shot.getPixelReader().getArgb(lineX, y), cell = shot.getPixelReader().getArgb(lineX + (int) (s / 2), y);
        assertNotEquals(line, cell, "a grid line separates pixels at 1600 %");
    }

    @Test
    void unsavedChangesAreConfirmedBeforeANewDocument(FxRobot robot) {
        robot.interact(() -> {
            vm.maskTool().beginStroke(50, 50, 1);
            vm.maskTool().endStroke();
        });
        assertTrue(vm.isModified());
        robot.press(KeyCode.CONTROL, KeyCode.N).release(KeyCode.N, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("Cancel");
        assertEquals("photo.png", vm.document().photoName(), "cancel keeps the document");
        robot.press(KeyCode.CONTROL, KeyCode.N).release(KeyCode.N, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn("Don't save");
        assertEquals("Untitled", vm.document().photoName());
    }

    @Test
    void pasteAnImageFromTheClipboard(FxRobot robot) {
        robot.interact(() -> {
            WritableImage img = new WritableImage(120, 90);
            for (int y = 0; y < 90; y++) for (int x = 0; x < 120; x++) img.getPixelWriter().setArgb(x, y, 0xFF336699);
            javafx.scene.input.ClipboardContent c = new javafx.scene.input.ClipboardContent();
            c.putImage(img);
            javafx.scene.input.Clipboard.getSystemClipboard().setContent(c);
        });
        robot.press(KeyCode.CONTROL, KeyCode.V).release(KeyCode.V, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(120, vm.document().width());
        assertEquals(0xFF336699, vm.document().photo().getRGB(5, 5));
    }

    @Test
    void bigPhotoFramesReuseCachedTiles(FxRobot robot) {
        robot.interact(() -> vm.newDocument(6000, 4000));
        CanvasView cv = window.canvasView();
        robot.interact(cv::redraw);
        int afterFit = cv.photoTilesRendered();
        assertTrue(afterFit <= 4, "fit view draws a small mip level: " + afterFit + " tiles");
        robot.interact(() -> {
            for (int i = 0; i < 20; i++) {
                vm.canvas().panBy(7, 3);
                cv.redraw();
            }
        });
        assertEquals(afterFit, cv.photoTilesRendered(), "panning reuses the cache");
        robot.interact(() -> {
            vm.canvas().actualSize();
            cv.redraw();
        });
        int full = cv.photoTilesRendered() - afterFit;
        assertTrue(full > 0 && full <= 12, "100 % renders only the visible full-resolution tiles, not all 96: " + full);
    }
}
