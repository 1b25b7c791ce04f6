package dev.atelier.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.Messages;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import dev.atelier.inference.api.ModelSetup;
import dev.atelier.inference.api.PresetLoader;
import dev.atelier.inference.api.Telemetry;
import dev.atelier.inference.api.fake.FakeEngine;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** A new VRAM budget or device in the set-up restarts the engine before the next job (not during one). */
@ExtendWith(ApplicationExtension.class)
class EngineRestartTest {
    @TempDir Path tmp;
    final List<FakeEngine> made = new CopyOnWriteArrayList<>();
    StudioViewModel vm;
    GenerationViewModel gen;

    @Start
    void start(Stage stage) throws Exception {
        vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(), new ProjectStore(),
                new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
        ModelSetupViewModel setup = new ModelSetupViewModel(vm.messages(), TaskRunner.direct(), Telemetry.cpuOnly(), s -> { });
        gen = new GenerationViewModel(vm, setup, () -> {
            FakeEngine e = new FakeEngine(FakeEngine.Script.done().withSteps(2));
            made.add(e);
            return e;
        }, Platform::runLater, TaskRunner.direct());
        gen.prompt().setCatalog(PresetLoader.loadShipped());
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Path photo = tmp.resolve("photo.png");
        ImageIO.write(img, "png", photo.toFile());
        vm.open(photo);
    }

    @AfterEach
    void close() {
        made.forEach(FakeEngine::close);
    }

    private static void fx(Runnable r) {
        WaitForAsyncUtils.waitForAsyncFx(5000, r);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private void generateAndWait(int results) throws Exception {
        fx(() -> gen.generate());
        try {
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS,
                    () -> gen.results().size() == results && !gen.runningProperty().get());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no result " + results + "; error: " + vm.errorProperty().get()
                    + "; status: " + vm.statusProperty().get(), e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void newBudgetRestartsTheEngineBeforeTheNextJob() throws Exception {
        fx(() -> gen.setup().apply(GenerationUiTest.EDIT_MODEL, ModelSetup.scan(GenerationUiTest.EDIT_MODEL), 0, "cpu"));
        fx(() -> gen.prompt().promptProperty().set("make the sky red"));
        generateAndWait(1);
        generateAndWait(2);
        assertEquals(1, made.size(), "the engine is kept between jobs");
        fx(() -> gen.setup().budgetGiBProperty().set(12));
        generateAndWait(3);
        assertEquals(2, made.size(), "a new budget makes a new engine");
        assertTrue(made.get(1).requests().size() == 1, "the job ran on the new engine");
    }
}
