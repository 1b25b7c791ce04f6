package dev.atelier.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.io.SettingsStore;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The studio's start-up wiring: presets from the home folder, the model folder, budget and device from settings. */
@ExtendWith(ApplicationExtension.class)
class CompositionRootTest {
    static final Path EDIT_MODEL = Path.of("../inference/src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny")
            .toAbsolutePath();
    @TempDir Path home;

    @Start
    void start(Stage stage) {
    }

    @Test
    void generationIsWiredFromTheSettings() throws Exception {
        SettingsStore settings = new SettingsStore(home);
        settings.save(SettingsStore.Settings.defaults().withModel(EDIT_MODEL.toString(), 6.0, "cpu"));
        Files.createDirectories(home.resolve("presets"));
        Files.writeString(home.resolve("presets/mine.json"), "{\"schema_version\":1,\"name\":\"mine\",\"steps\":8}");
        var gen = WaitForAsyncUtils.asyncFx(() -> {
            StudioViewModel vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(),
                    new ProjectStore(), new RecoveryStore(home.resolve("recovery"), new ProjectStore()));
            vm.newDocument(256, 256);
            return AtelierApp.createGeneration(vm, settings, settings.load(), home);
        }).get(10, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> gen.setup().scanProperty().get() != null);
        assertTrue(gen.setup().scanProperty().get().canEdit());
        assertEquals(6.0, gen.setup().budgetGiBProperty().get());
        assertEquals("cpu", gen.setup().deviceProperty().get());
        assertTrue(gen.prompt().presets().stream().anyMatch(p -> p.name().equals("mine")));
        assertEquals("draft", gen.prompt().presetProperty().get().name());
        WaitForAsyncUtils.asyncFx(gen::close).get(10, TimeUnit.SECONDS);
    }
}
