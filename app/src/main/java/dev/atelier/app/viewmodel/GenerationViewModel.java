package dev.atelier.app.viewmodel;

import dev.atelier.app.Messages;
import dev.atelier.app.document.Document;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.document.ResultImage;
import dev.atelier.app.io.UserFacingException;
import dev.atelier.inference.api.EditRequest;
import dev.atelier.inference.api.Request;
import dev.atelier.inference.api.Engine;
import dev.atelier.inference.api.EngineEvent;
import dev.atelier.inference.api.FailureKind;
import dev.atelier.inference.api.JobHandle;
import dev.atelier.inference.api.ModelScan;
import dev.atelier.inference.api.RgbImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Jobs and results: Generate queues one job per variation on the engine (its own thread; events come back through
 * {@code fx}, i.e. {@code Platform.runLater}), progress / preview / stage / memory follow the running job, Cancel
 * stops the running job within one step and drops the queued ones; finished images land in the document's results
 * (saved with the project and autosaved at once), from where they are accepted (undoable), discarded or recalled.
 * The model set-up state lives in {@link ModelSetupViewModel}. FX thread only.
 */
public final class GenerationViewModel {
    private final StudioViewModel studio;
    private final Messages m;
    private final PromptViewModel prompt = new PromptViewModel();
    private final ModelSetupViewModel setup;
    private final Supplier<Engine> engineFactory;
    private final Executor fx;
    private final TaskRunner tasks;
    private Engine engine;

    private final BooleanProperty running = new SimpleBooleanProperty();
    private final IntegerProperty queued = new SimpleIntegerProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty progressText = new SimpleStringProperty("");
    private final StringProperty stage = new SimpleStringProperty("");
    private final ObjectProperty<RgbImage> preview = new SimpleObjectProperty<>();
    private final IntegerProperty previewCount = new SimpleIntegerProperty();
    private final ObservableList<ResultImage> results = FXCollections.observableArrayList();
    private final IntegerProperty selected = new SimpleIntegerProperty(-1);
    private final BooleanProperty showOriginal = new SimpleBooleanProperty();
    private final DoubleProperty compareSplit = new SimpleDoubleProperty(1);
    private final BooleanProperty compareOnCanvas = new SimpleBooleanProperty();
    /** Set when Generate needs a model first; the view opens the set-up dialog and clears it. */
    private final BooleanProperty setupRequested = new SimpleBooleanProperty();
    private final List<JobHandle> jobs = new ArrayList<>();
    private final java.util.Random random = new java.util.Random();
    private Document attached;
    private boolean starting;
    private boolean startCancelled;
    /** The set-up's device or VRAM budget changed since the engine started: restart it before the next job. */
    private boolean engineStale;

    public GenerationViewModel(StudioViewModel studio, ModelSetupViewModel setup, Supplier<Engine> engineFactory,
            Executor fx, TaskRunner tasks) {
        this.studio = studio;
        this.m = studio.messages();
        this.setup = setup;
        this.engineFactory = engineFactory;
        this.fx = fx;
        this.tasks = tasks;
        studio.documentProperty().addListener((o, a, d) -> attach(d));
        attach(studio.document());
        prompt.presets().addListener((javafx.collections.ListChangeListener<dev.atelier.inference.api.Preset>) c -> refreshEstimates());
        setup.scanProperty().addListener(o -> refreshEstimates());
        setup.budgetGiBProperty().addListener(o -> { refreshEstimates(); engineStale = engine != null; });
        setup.deviceProperty().addListener(o -> { refreshEstimates(); engineStale = engine != null; });
        studio.documentProperty().addListener(o -> refreshEstimates());
    }

    public PromptViewModel prompt() { return prompt; }
    public ModelSetupViewModel setup() { return setup; }
    public BooleanProperty runningProperty() { return running; }
    public IntegerProperty queuedProperty() { return queued; }
    public DoubleProperty progressProperty() { return progress; }
    public StringProperty progressTextProperty() { return progressText; }
    public StringProperty stageProperty() { return stage; }
    public ObjectProperty<RgbImage> previewProperty() { return preview; }
    /** Previews received for the running job (tests and the view's "updated every step"). */
    public IntegerProperty previewCountProperty() { return previewCount; }
    public ObservableList<ResultImage> results() { return results; }
    public IntegerProperty selectedProperty() { return selected; }
    public BooleanProperty showOriginalProperty() { return showOriginal; }
    public DoubleProperty compareSplitProperty() { return compareSplit; }
    /** Show the selected result on the canvas, over the photo up to the compare split. */
    public BooleanProperty compareOnCanvasProperty() { return compareOnCanvas; }
    public BooleanProperty setupRequestedProperty() { return setupRequested; }

    private void attach(Document d) {
        attached = d;
        refreshResults();
        // Opening a file or project that carries parameters recalls them into the prompt panel.
        if (d != null && d.parameters() != null && !d.parameters().prompt().isEmpty()) prompt.recall(d.parameters());
        if (d != null) {
            d.addListener(new dev.atelier.app.document.DocumentListener() {
                @Override public void photoChanged() { }
                @Override public void maskChanged(dev.atelier.app.document.Rect region) { }
                @Override public void itemsChanged() {
                    if (attached == d) refreshResults();
                }
            });
        }
    }

    private void refreshResults() {
        List<ResultImage> now = attached == null ? List.of() : attached.results();
        int sel = selected.get();
        results.setAll(now);
        selected.set(now.isEmpty() ? -1 : Math.min(Math.max(sel, 0), now.size() - 1));
        if (sel >= now.size()) selected.set(now.size() - 1);
    }

    /** The planner's prediction for every preset at the current photo's size (background). */
    public void refreshEstimates() {
        Document d = studio.document();
        if (d == null || prompt.presets().isEmpty()) return;
        setup.estimate(List.copyOf(prompt.presets()), d.width(), d.height(), d.references().size());
    }

    // ---- jobs ---------------------------------------------------------------------------------------------------

    /** Ctrl+Enter: queues {@code batch} jobs, one per seed. Without a usable model it asks for the set-up instead. */
    public void generate() {
        Document doc = studio.document();
        if (doc == null) return;
        ModelScan scan = setup.scanProperty().get();
        var preset = prompt.presetProperty().get();
        boolean textToImage = preset != null && !preset.supports(dev.atelier.inference.api.Preset.EDIT);
        if (textToImage && scan != null && scan.generateModel() != null) {
            generateWith(doc, scan.generateModel(), true);
            return;
        }
        if (textToImage) {
            studio.errorProperty().set(m.get("gen.presetNeedsT2i", preset.label()));
            return;
        }
        if (scan == null || !scan.canEdit()) {
            studio.statusProperty().set(scan == null ? m.get("gen.noModel") : m.get("gen.modelIncomplete",
                    String.join(", ", whatIsWrong(scan))));
            setupRequested.set(true);
            return;
        }
        generateWith(doc, scan.editModel(), false);
    }

    private void generateWith(Document doc, Path model, boolean textToImage) {
        if (prompt.promptProperty().get().isBlank()) {
            studio.errorProperty().set(m.get("gen.noPrompt"));
            return;
        }
        int n = Math.max(1, Math.min(8, prompt.batchProperty().get()));
        long[] seeds = prompt.seedsFor(n, random::nextLong);
        List<Request> requests = new ArrayList<>();
        try {
            for (long s : seeds) requests.add(textToImage ? GenerationMapping.generateRequest(model, doc, prompt, s)
                    : GenerationMapping.editRequest(model, doc, prompt, s));
        } catch (IllegalArgumentException e) {
            studio.errorProperty().set(e.getMessage());
            return;
        }
        if (engineStale && jobs.isEmpty() && !starting) {
            // New device or budget: the engine is made again with them (the old one closes off the FX thread).
            Engine old = engine;
            engine = null;
            engineStale = false;
            tasks.run(() -> { old.close(); return Boolean.TRUE; }, x -> { }, x -> { });
        }
        queued.set(jobs.size() + requests.size());
        running.set(true);
        studio.statusProperty().set(m.get("gen.queued", n));
        if (engine == null) {
            // Starting the engine loads the native libraries (seconds): never on the FX thread.
            stage.set(m.get("gen.starting"));
            progress.set(-1);
            starting = true;
            startCancelled = false;
            tasks.run(engineFactory::get, e -> {
                engine = e;
                starting = false;
                if (startCancelled) {
                    queued.set(0);
                    running.set(false);
                    stage.set("");
                    progress.set(0);
                    studio.statusProperty().set(m.get("gen.cancelled"));
                } else {
                    submit(doc, requests);
                }
            }, e -> {
                starting = false;
                queued.set(jobs.size());
                running.set(!jobs.isEmpty());
                stage.set("");
                progress.set(0);
                studio.errorProperty().set(m.get("gen.engineFailed", e.getMessage()));
            });
        } else {
            submit(doc, requests);
        }
    }

    private void submit(Document doc, List<Request> requests) {
        for (Request r : requests) {
            prompt.lastSeedProperty().set(r.settings().seed());
            JobHandle[] self = new JobHandle[1];
            self[0] = engine.run(r, ev -> fx.execute(() -> onEvent(self[0], doc, r, ev)));
            jobs.add(self[0]);
        }
        queued.set(jobs.size());
        running.set(true);
    }

    /** The missing files, then the unusable ones, of a scan that cannot run edits. */
    public static List<String> whatIsWrong(ModelScan scan) {
        List<String> out = new ArrayList<>(scan.missing());
        out.addAll(scan.problems());
        return out;
    }

    /** Stops the running job (within one step) and drops the queued ones. */
    public void cancel() {
        if (starting) startCancelled = true;
        for (JobHandle j : List.copyOf(jobs)) j.cancel();
    }

    private void onEvent(JobHandle job, Document doc, Request r, EngineEvent ev) {
        switch (ev) {
            case EngineEvent.Stage s -> {
                stage.set(s.name());
                if (progress.get() <= 0) progress.set(-1); // indeterminate while loading
            }
            case EngineEvent.Step s -> {
                progress.set((double) s.index() / s.total());
                progressText.set(m.get("gen.step", s.index(), s.total(), secs(s.elapsed()), secs(s.estimatedRemaining())));
                if (s.preview() != null) {
                    preview.set(s.preview());
                    previewCount.set(previewCount.get() + 1);
                }
            }
            case EngineEvent.Memory mem -> setup.jobMemory(mem.snapshot());
            case EngineEvent.Done d -> {
                finished(job);
                ResultImage res = new ResultImage(java.util.UUID.randomUUID().toString().substring(0, 8),
                        GenerationMapping.toBuffered(d.image()), GenerationMapping.fromEngine(d.parameters(), r),
                        Instant.now(), false);
                if (studio.document() == doc) {
                    studio.addResult(res);
                    selected.set(results.size() - 1);
                    studio.autosaveIfChanged(); // a result is never lost on a crash
                }
                studio.statusProperty().set(m.get("gen.done", secs(d.elapsed()), d.parameters().seed()));
            }
            case EngineEvent.Failed f -> {
                finished(job);
                if (f.kind() == FailureKind.CANCELLED) {
                    studio.statusProperty().set(m.get("gen.cancelled"));
                } else {
                    String msg = (f.kind() == FailureKind.OUT_OF_MEMORY ? m.get("gen.oom") + "\n" : "") + f.message()
                            + (f.suggestion().isEmpty() ? "" : "\n\n" + f.suggestion());
                    studio.statusProperty().set(m.get("gen.failed", f.message()));
                    studio.errorProperty().set(msg);
                    if (f.kind() == FailureKind.MODEL_MISSING || f.kind() == FailureKind.MODEL_INVALID) setupRequested.set(true);
                }
            }
        }
    }

    private void finished(JobHandle job) {
        jobs.remove(job);
        queued.set(jobs.size());
        progress.set(0);
        progressText.set("");
        stage.set("");
        previewCount.set(0);
        if (jobs.isEmpty()) {
            running.set(false);
            preview.set(null);
            setup.jobMemory(null);
        }
    }

    private static String secs(Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    // ---- results ------------------------------------------------------------------------------------------------

    /** Makes result {@code i} the photo (one undo step). */
    public void accept(int i) {
        if (i < 0 || i >= results.size()) return;
        studio.acceptResult(i);
        studio.parametersProperty().set(results.get(i).parameters()); // exports of the new photo carry what made it
        studio.statusProperty().set(m.get("gen.accepted"));
    }

    public void discard(int i) {
        Document d = studio.document();
        if (d == null || i < 0 || i >= results.size()) return;
        d.removeResult(i);
    }

    /** Puts the result's parameters back into the prompt panel. */
    public void recall(int i) {
        if (i < 0 || i >= results.size()) return;
        prompt.recall(results.get(i).parameters());
        studio.statusProperty().set(m.get("gen.recalled"));
    }

    /** Adds a reference image (at most 3) from a file, decoded in the background. */
    public void addReference(Path file) {
        Document d = studio.document();
        if (d == null) return;
        if (d.references().size() >= EditRequest.MAX_REFERENCES) {
            studio.statusProperty().set(m.get("gen.tooManyRefs", EditRequest.MAX_REFERENCES));
            return;
        }
        tasks.run(() -> studio.loader().load(file), img -> {
            if (studio.document() == d && d.references().size() < EditRequest.MAX_REFERENCES) {
                d.addReference(new ReferenceImage(file.getFileName().toString(), img.image()));
            }
        }, e -> studio.errorProperty().set(e instanceof UserFacingException u ? u.message(m) : e.getMessage()));
    }

    public void removeReference(int i) {
        Document d = studio.document();
        if (d != null && i >= 0 && i < d.references().size()) d.removeReference(i);
    }

    /** At exit: cancels jobs and stops the engine thread. */
    public void close() {
        cancel();
        if (engine != null) engine.close();
        setup.close();
    }
}
