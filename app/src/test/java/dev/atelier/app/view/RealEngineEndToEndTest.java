package dev.atelier.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.Messages;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import dev.atelier.inference.api.Engine;
import dev.atelier.inference.api.Engines;
import dev.atelier.inference.api.ModelSetup;
import dev.atelier.inference.api.PresetLoader;
import dev.atelier.inference.api.Telemetry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The whole loop on the real engine with the fixture's tiny Qwen-Image-Edit-2511 model on the CPU: paint a mask,
 * type a prompt, Ctrl+Enter, see the preview update, accept, export WebP, re-open and recall.
 */
@ExtendWith(ApplicationExtension.class)
class RealEngineEndToEndTest {
    static final Path EDIT_MODEL = Path.of("../inference/src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny");

    @TempDir Path tmp;
    StudioViewModel vm;
    GenerationViewModel gen;
    MainWindow window;
    Engine engine;
    final List<String> errors = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws Exception {
        vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(), new ProjectStore(),
                new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
        vm.errorProperty().addListener((o, a, e) -> { if (e != null) errors.add(e); });
        ModelSetupViewModel setup = new ModelSetupViewModel(vm.messages(), TaskRunner.direct(), Telemetry.cpuOnly(), s -> { });
        gen = new GenerationViewModel(vm, setup, () -> engine = Engines.local(128 * 128), Platform::runLater,
                TaskRunner.direct());
        gen.prompt().setCatalog(PresetLoader.loadShipped());
        window = new MainWindow(vm, gen, 1200, 900);
        window.attach(stage);
        BufferedImage img = new BufferedImage(160, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) for (int x = 0; x < 160; x++) img.setRGB(x, y, (x * 255 / 160) << 16 | (y * 2) << 8 | 0x60);
        Path photo = tmp.resolve("photo.png");
        ImageIO.write(img, "png", photo.toFile());
        vm.open(photo);
        stage.show();
    }

    @AfterEach
    void close() {
        if (engine != null) engine.close();
    }

    private Point2D onCanvas(double fx, double fy) {
        Bounds b = window.canvasView().localToScreen(window.canvasView().getBoundsInLocal());
        return new Point2D(b.getMinX() + b.getWidth() * fx, b.getMinY() + b.getHeight() * fy);
    }

    private static void run(Runnable r) {
        WaitForAsyncUtils.waitForAsyncFx(5000, r);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void paintPromptGeneratePreviewAcceptExportReopenRecall(FxRobot robot) throws Exception {
        run(() -> {
            gen.setup().apply(EDIT_MODEL, ModelSetup.scan(EDIT_MODEL), 0, "cpu");
            gen.prompt().choosePreset("draft");
            gen.prompt().stepsProperty().set(3);
            gen.prompt().seedModeProperty().set(dev.atelier.app.viewmodel.PromptViewModel.SeedMode.FIXED);
            gen.prompt().seedProperty().set(7);
        });
        assertTrue(gen.setup().scanProperty().get().canEdit());

        // Paint a mask over the middle of the photo.
        robot.moveTo(onCanvas(0.35, 0.5)).press(MouseButton.PRIMARY).moveTo(onCanvas(0.5, 0.55)).moveTo(onCanvas(0.65, 0.5))
                .release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(vm.document().mask().isEmpty());

        // Type the prompt and press Ctrl+Enter.
        robot.clickOn("#promptField").write("a red door");
        assertEquals("a red door", robot.lookup("#promptField").queryAs(TextArea.class).getText());
        int[] maxPreviews = {0};
        gen.previewCountProperty().addListener((o, a, v) -> maxPreviews[0] = Math.max(maxPreviews[0], v.intValue()));
        robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
        // While the engine works on its thread the FX thread keeps answering (generous bound: a loaded 2-core CI box).
        long worst = 0, deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int samples = 0;
        while (errors.isEmpty() && gen.results().isEmpty() && System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
            Platform.runLater(answered::countDown);
            assertTrue(answered.await(5, TimeUnit.SECONDS), "the FX thread answered while the job ran");
            worst = Math.max(worst, System.nanoTime() - t0);
            samples++;
            Thread.sleep(20);
        }
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(samples > 3, "the job ran long enough to be observed: " + samples);
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(1000), "FX thread blocked for " + worst / 1e6 + " ms");
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(3, maxPreviews[0], "the preview was updated at every step");
        var result = gen.results().getFirst();
        assertEquals(160, result.image().getWidth());
        assertEquals(128, result.image().getHeight());
        assertEquals("a red door", result.parameters().prompt());
        assertEquals(7, result.parameters().seed());
        // Outside the mask the photo is kept exactly.
        assertEquals(vm.document().photo().getRGB(2, 2) & 0xFFFFFF, result.image().getRGB(2, 2) & 0xFFFFFF);

        // Accept, export WebP, re-open: the parameters come back into the panel.
        run(() -> gen.accept(0));
        assertSame(result.image(), vm.document().photo());
        Path webp = tmp.resolve("out.webp");
        run(() -> vm.export(webp));
        assertTrue(Files.size(webp) > 0);
        run(() -> {
            gen.prompt().promptProperty().set("");
            gen.prompt().seedProperty().set(1);
            vm.open(webp);
        });
        assertEquals("out.webp", vm.document().photoName());
        assertEquals("a red door", gen.prompt().promptProperty().get());
        assertEquals(7, gen.prompt().seedProperty().get());
        assertEquals(3, gen.prompt().stepsProperty().get());
        assertNotNull(vm.parametersProperty().get());

        // Text to image with a user's generate-only preset runs on the Qwen-Image-2512 model beside the edit model.
        Path presets = Files.createDirectories(tmp.resolve("presets"));
        Files.writeString(presets.resolve("sketch.json"), "{\"schema_version\":1,\"name\":\"sketch\",\"kinds\":[\"generate\"],"
                + "\"steps\":2,\"cfg\":1.0,\"size\":{\"mode\":\"exact\",\"width\":256,\"height\":256}}");
        run(() -> {
            gen.prompt().setCatalog(PresetLoader.load(presets));
            gen.prompt().choosePreset("sketch");
            gen.prompt().promptProperty().set("a lighthouse");
            gen.generate();
        });
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> !errors.isEmpty() || gen.results().size() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(errors.isEmpty(), errors.toString());
        var t2i = gen.results().getFirst();
        assertEquals(256, t2i.image().getWidth());
        assertEquals("sketch", t2i.parameters().preset());
        assertEquals("a lighthouse", t2i.parameters().prompt());
    }
}
