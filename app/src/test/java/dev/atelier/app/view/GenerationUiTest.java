package dev.atelier.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.Messages;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import dev.atelier.app.viewmodel.PromptViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.TaskRunner;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.ModelSetup;
import dev.atelier.inference.api.PresetLoader;
import dev.atelier.inference.api.Telemetry;
import dev.atelier.inference.api.fake.FakeEngine;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
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

/** The generation panel on the headless platform against the scriptable fake engine (events replayed). */
@ExtendWith(ApplicationExtension.class)
class GenerationUiTest {
    static final Path EDIT_MODEL = Path.of("../inference/src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny");

    @TempDir Path tmp;
    StudioViewModel vm;
    GenerationViewModel gen;
    MainWindow window;
    FakeEngine fake;
    final List<String> errors = new CopyOnWriteArrayList<>();

    @Start
    void start(Stage stage) throws Exception {
        vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(), new ProjectStore(),
                new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
        vm.errorProperty().addListener((o, a, e) -> { if (e != null) errors.add(e); });
        fake = new FakeEngine(FakeEngine.Script.done().withSteps(3));
        ModelSetupViewModel setup = new ModelSetupViewModel(vm.messages(), TaskRunner.direct(), Telemetry.cpuOnly(), s -> { });
        gen = new GenerationViewModel(vm, setup, () -> fake, Platform::runLater, TaskRunner.direct());
        gen.prompt().setCatalog(PresetLoader.loadShipped());
        window = new MainWindow(vm, gen, 1200, 900);
        window.attach(stage);
        BufferedImage img = new BufferedImage(320, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) for (int x = 0; x < 320; x++) img.setRGB(x, y, (x * 255 / 320) << 8 | 0x303080);
        Path photo = tmp.resolve("photo.png");
        ImageIO.write(img, "png", photo.toFile());
        vm.open(photo);
        stage.show();
    }

    @AfterEach
    void close() {
        fake.close();
    }

    private void useModel() {
        run(() -> gen.setup().apply(EDIT_MODEL, ModelSetup.scan(EDIT_MODEL), 0, "cpu"));
    }

    private static void run(Runnable r) {
        WaitForAsyncUtils.waitForAsyncFx(5000, r);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static void waitUntil(BooleanSupplier condition, String what) {
        try {
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, condition::getAsBoolean);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out waiting for: " + what);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    private void typePrompt(FxRobot robot, String text) {
        robot.clickOn("#promptField");
        run(() -> robot.lookup("#promptField").queryAs(TextArea.class).setText(text));
    }

    private void ctrlEnter(FxRobot robot) {
        robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Buttons low in the scrolling panel may be below the headless screen: fire them like a click would. */
    private static void fire(FxRobot robot, String query) {
        run(() -> robot.lookup(query).queryAs(javafx.scene.control.ButtonBase.class).fire());
    }

    private Point2D onCanvas(double fx, double fy) {
        Bounds b = window.canvasView().localToScreen(window.canvasView().getBoundsInLocal());
        return new Point2D(b.getMinX() + b.getWidth() * fx, b.getMinY() + b.getHeight() * fy);
    }

    @Test
    void promptPanelBindsAndMarksChangedFields(FxRobot robot) {
        PromptViewModel p = gen.prompt();
        assertEquals("draft", p.presetProperty().get().name());
        typePrompt(robot, "把天空换成晚霞");
        assertEquals("把天空换成晚霞", p.promptProperty().get());
        assertEquals(40, robot.lookup("#stepsField").queryAs(Spinner.class).getValue());

        // Change steps in the spinner: the field is marked, the view-model knows.
        run(() -> robot.lookup("#stepsField").queryAs(Spinner.class).getValueFactory().setValue(25));
        assertEquals(25, p.stepsProperty().get());
        assertEquals(java.util.Set.of(PromptViewModel.STEPS), p.changedFields());
        assertTrue(robot.lookup("#stepsField").query().getStyleClass().contains("changed"));
        assertFalse(robot.lookup("#cfgField").query().getStyleClass().contains("changed"));

        // One click on another preset: its values, nothing marked, the prompt stays.
        robot.clickOn("#preset-quick-preview");
        assertEquals("quick-preview", p.presetProperty().get().name());
        assertEquals(4, p.stepsProperty().get());
        assertEquals(1.0, p.cfgProperty().get());
        assertEquals(4, robot.lookup("#stepsField").queryAs(Spinner.class).getValue());
        assertTrue(p.changedFields().isEmpty());
        assertFalse(robot.lookup("#stepsField").query().getStyleClass().contains("changed"));
        assertEquals(1, p.loras().size(), "the preset's edit LoRA is listed");
        assertTrue(p.loras().getFirst().file().contains("Lightning"));
        assertEquals("把天空换成晚霞", p.promptProperty().get());

        // Size: exact sides appear for EXACT, a change is marked and goes with the request's size policy.
        assertFalse(robot.lookup("#widthField").query().getParent().isVisible());
        run(() -> p.sizeModeProperty().set(dev.atelier.inference.api.SizePolicy.Mode.EXACT));
        assertTrue(robot.lookup("#widthField").query().getParent().isVisible());
        run(() -> robot.lookup("#widthField").queryAs(Spinner.class).getValueFactory().setValue(512));
        assertEquals(512, p.widthProperty().get());
        assertTrue(p.changedFields().contains(PromptViewModel.SIZE));
        assertTrue(robot.lookup("#sizeField").query().getStyleClass().contains("changed"));

        // A LoRA strength change marks the LoRA list; reset puts the preset back.
        run(() -> p.setLoraStrength(0, 0.5));
        assertTrue(robot.lookup("#lorasBox").query().getStyleClass().contains("changed"));
        fire(robot, "#resetButton");
        assertTrue(p.changedFields().isEmpty());
        assertEquals(1.0, p.loras().getFirst().strength());

        // Every preset shows its cost on this machine (CPU here) and quick-preview names its missing LoRA.
        useModel();
        for (String name : PresetLoader.SHIPPED) {
            String cost = robot.lookup("#cost-" + name).queryAs(Label.class).getText();
            assertTrue(cost.startsWith("CPU") || cost.startsWith("fits"), name + ": " + cost);
        }
        assertTrue(gen.setup().presetMissing().get("draft").isEmpty());
        assertTrue(gen.setup().presetMissing().get("quick-preview").stream()
                .anyMatch(s -> s.contains("Qwen-Image-Edit-2511-Lightning-4steps-V1.0-bf16.safetensors")));
        // Turbo is text to image: with the 2512 folder beside the edit model it makes a new image of the photo's
        // aspect with the preset's 4 steps, CFG 1 and Turbo LoRA; without one, Generate says what is needed.
        assertEquals(EDIT_MODEL.getParent().resolve("qwen-image-2512-tiny").toAbsolutePath(),
                gen.setup().scanProperty().get().generateModel().toAbsolutePath());
        robot.clickOn("#preset-turbo");
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.results().size() == 1, "text to image done");
        var t2i = (dev.atelier.inference.api.GenerateRequest) fake.requests().getLast();
        assertEquals(4, t2i.settings().steps());
        assertEquals(1.0, t2i.settings().cfg());
        assertTrue(t2i.settings().loras().getFirst().file().contains("Turbo"));
        assertEquals(1024 * 1024, t2i.width() * t2i.height(), 40_000, "about the model area");
        assertEquals(320.0 / 256, (double) t2i.width() / t2i.height(), 0.05, "the photo's aspect");
        run(() -> gen.setup().apply(EDIT_MODEL, ModelSetup.scan(EDIT_MODEL).withGenerateModel(null), 0, "cpu"));
        robot.clickOn("#generateButton");
        assertTrue(errors.getLast().contains("Qwen-Image-2512"), errors.toString());
        assertTrue(robot.lookup("#memoryText").queryAs(Label.class).getText().contains("CPU only"),
                "the meter says it shows process memory on a CPU-only machine");
    }

    @Test
    void generateShowsProgressAndPreviewEveryStepAndCancelStopsWithinAStep(FxRobot robot) throws Exception {
        useModel();
        fake.setScript(FakeEngine.Script.done().withSteps(6).stepByStep());
        BufferedImage ref = new BufferedImage(200, 160, BufferedImage.TYPE_INT_RGB);
        Path refFile = tmp.resolve("hat.png");
        ImageIO.write(ref, "png", refFile.toFile());
        run(() -> gen.addReference(refFile));
        assertEquals(1, vm.document().references().size());
        assertEquals(1, robot.lookup("#referencesBox").queryAs(javafx.scene.layout.HBox.class).getChildren().size());
        robot.moveTo(onCanvas(0.3, 0.5)).press(MouseButton.PRIMARY).moveTo(onCanvas(0.6, 0.5)).release(MouseButton.PRIMARY);
        typePrompt(robot, "a red jacket");
        double[] maxProgress = {0};
        gen.progressProperty().addListener((o, a, v) -> maxProgress[0] = Math.max(maxProgress[0], v.doubleValue()));
        ctrlEnter(robot);
        waitUntil(() -> gen.runningProperty().get(), "job started");
        EditRequest r = (EditRequest) fake.requests().getFirst();
        assertEquals("a red jacket", r.prompt());
        assertEquals(1, r.references().size(), "the reference image goes with the request");
        assertNotNull(r.mask(), "the painted mask goes with the request");
        assertEquals(40, r.settings().steps());

        for (int i = 1; i <= 2; i++) {
            fake.advance();
            int step = i;
            waitUntil(() -> gen.previewCountProperty().get() == step, "preview " + step);
            assertEquals(step / 6.0, gen.progressProperty().get(), 1e-9);
            assertTrue(robot.lookup("#progressText").queryAs(Label.class).getText().startsWith("Step " + step + "/6"));
            assertNotNull(robot.lookup("#previewImage").queryAs(javafx.scene.image.ImageView.class).getImage());
        }
        String comps = robot.lookup("#componentsText").queryAs(Label.class).getText();
        assertTrue(comps.contains("transformer") && comps.contains("text encoder") && comps.contains("VAE"),
                "per-component breakdown while the job runs: " + comps);
        robot.clickOn("#cancelButton");
        waitUntil(() -> !gen.runningProperty().get(), "cancelled");
        fake.advance(); // a permit for a third step must not be used: the job is over
        WaitForAsyncUtils.sleep(100, TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(2 / 6.0, maxProgress[0], 1e-9, "no step ran after Cancel");
        assertTrue(vm.statusProperty().get().contains("Cancelled"));
        assertTrue(gen.results().isEmpty());
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void batchResultsAcceptUndoDiscardAndRecall(FxRobot robot) throws Exception {
        useModel();
        typePrompt(robot, "golden hour");
        run(() -> {
            gen.prompt().batchProperty().set(2);
            gen.prompt().seedModeProperty().set(PromptViewModel.SeedMode.FIXED);
            gen.prompt().seedProperty().set(100);
        });
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.results().size() == 2 && !gen.runningProperty().get(), "two variations");
        assertEquals(100, gen.results().get(0).parameters().seed());
        assertEquals(101, gen.results().get(1).parameters().seed());
        assertEquals(2, robot.lookup("#resultsStrip").queryAs(javafx.scene.layout.HBox.class).getChildren().size());
        var recovered = new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()).restore();
        assertEquals(2, recovered.results().size(), "the results were autosaved as soon as they arrived");

        // Compare: the slider reveals part of the result; Original hides it.
        fire(robot, "#result-0");
        run(() -> gen.compareSplitProperty().set(0.5));
        assertFalse(robot.lookup("#compareResult").query().getClip().getBoundsInLocal().isEmpty());
        fire(robot, "#showOriginalButton");
        assertFalse(robot.lookup("#compareResult").query().isVisible());
        fire(robot, "#showOriginalButton");
        // ... and on the canvas: the left half of the canvas shows the result, the mask overlay is hidden.
        fire(robot, "#compareOnCanvasButton");
        assertNotNull(window.canvasView().compareImage());
        fire(robot, "#showOriginalButton");
        assertEquals(null, window.canvasView().compareImage(), "Original shows the photo alone");
        fire(robot, "#showOriginalButton");
        assertNotNull(window.canvasView().compareImage());
        fire(robot, "#compareOnCanvasButton");
        assertEquals(null, window.canvasView().compareImage());

        BufferedImage before = vm.document().photo();
        fire(robot, "#acceptButton");
        assertSame(gen.results().get(0).image(), vm.document().photo());
        assertTrue(gen.results().get(0).accepted());
        assertEquals("Accept result", vm.document().undoStack().undoLabel());
        robot.clickOn("#undoButton");
        assertSame(before, vm.document().photo(), "accept is undoable");

        fire(robot, "#result-1");
        fire(robot, "#discardButton");
        assertEquals(1, gen.results().size());

        // Recall: change the fields, then recall the result's parameters.
        run(() -> {
            gen.prompt().promptProperty().set("something else");
            gen.prompt().seedProperty().set(5);
        });
        fire(robot, "#result-0");
        fire(robot, "#recallButton");
        assertEquals("golden hour", robot.lookup("#promptField").queryAs(TextArea.class).getText());
        assertEquals(100, gen.prompt().seedProperty().get());
        assertEquals(PromptViewModel.SeedMode.FIXED, gen.prompt().seedModeProperty().get());

        // Saved with the document: the project round trip keeps the results and their parameters.
        Path project = tmp.resolve("p.atelier");
        run(() -> vm.saveAs(project));
        var reopened = new ProjectStore().load(project);
        assertEquals(1, reopened.results().size());
        assertEquals("golden hour", reopened.results().getFirst().parameters().prompt());
    }

    @Test
    void outOfMemoryFailureShowsMessageAndSuggestionAndTheAppStaysAlive(FxRobot robot) {
        useModel();
        fake.enqueue(FakeEngine.Script.failing(FailureKind.OUT_OF_MEMORY, "CUDA out of memory while decoding",
                "Use the quick-preview preset (fp8 weights)"));
        typePrompt(robot, "a cat");
        robot.clickOn("#generateButton");
        waitUntil(() -> !errors.isEmpty() && !gen.runningProperty().get(), "failure reported");
        String msg = errors.getFirst();
        assertTrue(msg.contains("ran out of memory") && msg.contains("CUDA out of memory while decoding")
                && msg.contains("quick-preview"), msg);
        assertTrue(gen.results().isEmpty());
        // Still alive: the next job works.
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.results().size() == 1, "next job done");
    }

    @Test
    void userPresetsAreLoadedAndTheirProblemsShown(FxRobot robot) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("presets"));
        Files.writeString(dir.resolve("mine.json"), "{\"schema_version\":1,\"name\":\"mine\",\"label\":\"Mine\",\"steps\":12,"
                + "\"cfg\":99}");
        run(() -> gen.prompt().setCatalog(PresetLoader.load(dir)));
        robot.clickOn("#preset-mine");
        assertEquals(12, gen.prompt().stepsProperty().get());
        assertEquals(4.0, gen.prompt().cfgProperty().get(), "the bad cfg fell back to the default");
        Label problems = robot.lookup("#presetProblems").queryAs(Label.class);
        assertTrue(problems.isVisible() && problems.getText().contains("1 problem"), problems.getText());
        assertTrue(problems.getTooltip().getText().contains("mine.json: cfg"), problems.getTooltip().getText());
    }

    @Test
    void generateWithoutAModelLeadsToSetUp(FxRobot robot) {
        typePrompt(robot, "a cat");
        robot.clickOn("#generateButton");
        assertTrue(fake.requests().isEmpty());
        assertTrue(robot.lookup("#noModelDialog").tryQuery().isPresent(), "the no-model dialog is shown");
        robot.clickOn("Model set-up…");
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#modelSetupDialog").tryQuery().isPresent(), "it leads to the model set-up");
        assertTrue(robot.lookup("#setupFolder").tryQuery().isPresent());

        // Point it at the fixture model: the report lists the components and the presets, OK uses the folder.
        run(() -> robot.lookup("#setupFolder").queryAs(javafx.scene.control.TextField.class)
                .setText(EDIT_MODEL.toAbsolutePath().toString()));
        fire(robot, "#setupScan");
        String report = robot.lookup("#setupReport").queryAs(TextArea.class).getText();
        assertTrue(report.contains("transformer") && report.contains("qwen-image-edit-2511") && report.contains("vae"), report);
        assertTrue(report.contains("✓ Draft") && report.contains("✗ Quick preview"), report);
        run(() -> {
            var pane = (javafx.scene.control.DialogPane) robot.lookup("#modelSetupDialog").query();
            ((javafx.scene.control.Button) pane.lookupButton(javafx.scene.control.ButtonType.OK)).fire();
        });
        assertTrue(gen.setup().scanProperty().get().canEdit());
        assertEquals(EDIT_MODEL.toAbsolutePath(), gen.setup().folderProperty().get());
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.results().size() == 1, "generated after the set-up");
    }

    @Test
    void modelFolderMissingItsVaeIsNamed(FxRobot robot) throws Exception {
        Path copy = tmp.resolve("edit-model");
        copyTree(EDIT_MODEL, copy);
        try (var s = Files.walk(copy.resolve("vae"))) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
        var scan = ModelSetup.scan(copy);
        String report = ModelSetupDialog.describe(scan, List.copyOf(gen.prompt().presets()), vm.messages());
        assertTrue(report.contains("vae/diffusion_pytorch_model.safetensors"), report);
        run(() -> gen.setup().apply(copy, scan, 0, "cpu"));
        typePrompt(robot, "a cat");
        robot.clickOn("#generateButton");
        assertTrue(fake.requests().isEmpty());
        assertTrue(vm.statusProperty().get().contains("vae/diffusion_pytorch_model.safetensors"), vm.statusProperty().get());
        assertTrue(robot.lookup("#noModelDialog").tryQuery().isPresent());
    }

    @Test
    void cancelDuringLoad(FxRobot robot) {
        useModel();
        // long stages (cancellable): the click lands while loading even on a busy machine
        fake.setScript(FakeEngine.Script.done().withSteps(3).withStageDelay(Duration.ofSeconds(3)));
        typePrompt(robot, "a cat");
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.stageProperty().get().equals(EngineEvent.Stage.LOAD), "loading");
        robot.clickOn("#cancelButton");
        waitUntil(() -> !gen.runningProperty().get(), "cancelled while loading");
        assertTrue(vm.statusProperty().get().contains("Cancelled"));
        assertTrue(gen.results().isEmpty());
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void fxThreadStaysResponsiveAndPaintingContinuesWhileAJobRuns(FxRobot robot) throws Exception {
        useModel();
        fake.setScript(FakeEngine.Script.done().withSteps(30).withStepDelay(Duration.ofMillis(25)).withPreviewSide(128));
        typePrompt(robot, "a cat");
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.progressProperty().get() > 0, "running");
        long worst = 0;
        while (gen.runningProperty().get()) {
            long t0 = System.nanoTime();
            java.util.concurrent.CountDownLatch l = new java.util.concurrent.CountDownLatch(1);
            Platform.runLater(l::countDown);
            assertTrue(l.await(2, TimeUnit.SECONDS), "the FX thread answered");
            worst = Math.max(worst, System.nanoTime() - t0);
            Thread.sleep(10);
        }
        assertTrue(worst < 250_000_000L, "FX thread blocked for " + worst / 1e6 + " ms");
        // Paint during a second job.
        robot.clickOn("#generateButton");
        waitUntil(() -> gen.progressProperty().get() > 0, "running again");
        robot.moveTo(onCanvas(0.3, 0.4)).press(MouseButton.PRIMARY).moveTo(onCanvas(0.6, 0.4)).release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(vm.document().mask().isEmpty(), "painted while the job ran");
        waitUntil(() -> gen.results().size() == 2, "both jobs done");
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
