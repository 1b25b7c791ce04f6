package dev.atelier.app;

import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.io.SettingsStore;
import dev.atelier.app.io.UserFacingException;
import dev.atelier.app.view.MainWindow;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import dev.atelier.app.viewmodel.Theme;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.animation.KeyFrame;
import javafx.animation.PauseTransition;
import javafx.animation.Timeline;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.stage.Stage;
import javafx.util.Duration;

/**
 * The studio window (composition root). Options: {@code [file]} to open, {@code --lang en|zh},
 * {@code --theme light|dark}, {@code --demo} (a generated picture with a painted mask), {@code --screenshot <png>}
 * (snapshot the window once shown, then exit), {@code --home <dir>} (settings and autosave; default ~/.atelier),
 * {@code --autosave-seconds <s>} (default 20).
 */
public final class AtelierApp extends Application {
    static final Duration AUTOSAVE_EVERY = Duration.seconds(20);

    private StudioViewModel vm;
    private dev.atelier.app.viewmodel.GenerationViewModel gen;
    private Timeline autosave;

    @Override
    public void start(Stage stage) {
        StartOptions opts = StartOptions.parse(getParameters().getRaw());
        SettingsStore settings = new SettingsStore(opts.home());
        SettingsStore.Settings saved = settings.load();
        Locale locale = opts.locale() != null ? opts.locale()
                : saved.language() != null ? Locale.forLanguageTag(saved.language()) : Locale.getDefault();
        Theme theme = opts.theme() != null ? opts.theme() : "light".equals(saved.theme()) ? Theme.LIGHT : Theme.DARK;
        Messages messages = new Messages(locale);
        RecoveryStore recovery = new RecoveryStore(opts.home().resolve("recovery"), new ProjectStore());
        vm = new StudioViewModel(messages, TaskRunner.background(), new ImageLoader(), new ProjectStore(), recovery);
        vm.themeProperty().set(theme);
        vm.languageProperty().set(locale.getLanguage().equals("zh") ? "zh-CN" : "en");
        vm.themeProperty().addListener((o, a, t) -> store(settings, settings.load().withTheme(t == Theme.LIGHT ? "light" : "dark")));
        vm.languageProperty().addListener((o, a, l) -> store(settings, settings.load().withLanguage(l)));
        gen = createGeneration(vm, settings, saved, opts.home());
        MainWindow window = new MainWindow(vm, gen, 1360, 860);
        window.attach(stage);
        if (opts.demo()) {
            DemoScene.open(vm);
            gen.selectedProperty().set(1);
            gen.compareSplitProperty().set(0.55);
            gen.compareOnCanvasProperty().set(true);
        } else if (!vm.restoreAutosave()) {
            if (opts.file() != null) vm.open(opts.file());
            else vm.newDocument(1024, 1024);
        }
        stage.setOnCloseRequest(e -> shutdown());
        stage.show();
        autosave = new Timeline(new KeyFrame(opts.autosaveEvery(), e -> vm.autosaveIfChanged()));
        autosave.setCycleCount(Timeline.INDEFINITE);
        autosave.play();
        if (opts.screenshot() != null) {
            PauseTransition wait = new PauseTransition(Duration.seconds(2));
            wait.setOnFinished(e -> {
                window.canvasView().redraw();
                try {
                    var img = SwingFXUtils.fromFXImage(window.scene().snapshot(null), null);
                    javax.imageio.ImageIO.write(img, "png", opts.screenshot().toFile());
                    System.out.println("Screenshot written to " + opts.screenshot());
                } catch (java.io.IOException ex) {
                    System.err.println("Could not write the screenshot " + opts.screenshot() + ": " + ex.getMessage());
                }
                Platform.exit();
            });
            wait.play();
        }
    }

    /** The engine side: presets (shipped + {@code home/presets}), model set-up from the settings, the in-process engine. */
    static dev.atelier.app.viewmodel.GenerationViewModel createGeneration(StudioViewModel vm, SettingsStore settings,
            SettingsStore.Settings saved, Path home) {
        TaskRunner tasks = TaskRunner.background();
        dev.atelier.inference.api.Telemetry telemetry = "cpu".equals(saved.device())
                ? dev.atelier.inference.api.Telemetry.cpuOnly() : dev.atelier.inference.api.Telemetry.open();
        var setup = new dev.atelier.app.viewmodel.ModelSetupViewModel(vm.messages(), tasks, telemetry, s -> {
            try {
                settings.save(settings.load().withModel(s.folderProperty().get() == null ? null
                        : s.folderProperty().get().toString(), s.budgetGiBProperty().get(), s.deviceProperty().get()));
            } catch (UserFacingException e) {
                vm.statusProperty().set(e.message(vm.messages()));
            }
        });
        if (saved.vramBudgetGiB() != null) setup.budgetGiBProperty().set(saved.vramBudgetGiB());
        if (saved.device() != null) setup.deviceProperty().set(saved.device());
        // The engine starts on first use with the set-up's device and VRAM budget (0 GiB = automatic).
        var gen = new dev.atelier.app.viewmodel.GenerationViewModel(vm, setup,
                () -> dev.atelier.inference.api.Engines.local(setup.deviceProperty().get(),
                        (long) (Math.max(0, setup.budgetGiBProperty().get()) * (1L << 30))),
                Platform::runLater, tasks);
        gen.prompt().setCatalog(dev.atelier.inference.api.PresetLoader.load(home.resolve("presets")));
        if (saved.modelFolder() != null) {
            Path dir = Path.of(saved.modelFolder());
            setup.folderProperty().set(dir);
            setup.scan(dir, setup.scanProperty()::set);
        }
        return gen;
    }

    private void store(SettingsStore store, SettingsStore.Settings s) {
        try {
            store.save(s);
        } catch (UserFacingException e) {
            vm.statusProperty().set(e.message(vm.messages()));
        }
    }

    private void shutdown() {
        if (autosave != null) autosave.stop();
        if (gen != null) gen.close();
        if (vm != null) vm.closeCleanly(true);
    }

    @Override
    public void stop() {
        shutdown();
    }

    /** Command-line options of the studio. */
    record StartOptions(Path file, Locale locale, Theme theme, boolean demo, Path screenshot, Path home, Duration autosaveEvery) {
        static StartOptions parse(List<String> args) {
            Path file = null, shot = null;
            Path home = Path.of(System.getProperty("user.home"), ".atelier");
            Locale locale = null;
            Theme theme = null;
            boolean demo = false;
            Duration every = AUTOSAVE_EVERY;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--lang" -> locale = args.get(++i).startsWith("zh") ? Locale.SIMPLIFIED_CHINESE : Locale.ENGLISH;
                    case "--theme" -> theme = "light".equalsIgnoreCase(args.get(++i)) ? Theme.LIGHT : Theme.DARK;
                    case "--demo" -> demo = true;
                    case "--screenshot" -> shot = Path.of(args.get(++i)).toAbsolutePath();
                    case "--home" -> home = Path.of(args.get(++i));
                    case "--autosave-seconds" -> every = Duration.seconds(Double.parseDouble(args.get(++i)));
                    default -> file = Path.of(a);
                }
            }
            return new StartOptions(file, locale, theme, demo, shot, home, every);
        }
    }
}
