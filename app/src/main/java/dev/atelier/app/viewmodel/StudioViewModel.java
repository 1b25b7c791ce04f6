package dev.atelier.app.viewmodel;

import dev.atelier.app.Messages;
import dev.atelier.app.document.Document;
import dev.atelier.app.document.GenerationParameters;
import dev.atelier.app.document.ResultImage;
import dev.atelier.app.document.UndoStack;
import dev.atelier.app.io.ExportOptions;
import dev.atelier.app.io.ImageExporter;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.LoadedImage;
import dev.atelier.app.io.ProjectSnapshot;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.app.io.UserFacingException;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The studio window's state and commands: the open document, files (open, save, export, autosave, recovery),
 * undo/redo, messages for the user, theme, and the generation parameters recalled from a file (issue 10's prompt
 * panel binds to {@link #parametersProperty()}). Holds no Nodes; the FX thread owns it.
 */
public final class StudioViewModel {
    private final Messages messages;
    private final TaskRunner tasks;
    private final ImageLoader loader;
    private final ProjectStore projects;
    private final RecoveryStore recovery;

    private final ObjectProperty<Document> document = new SimpleObjectProperty<>();
    private final CanvasViewModel canvas = new CanvasViewModel();
    private final MaskToolViewModel maskTool = new MaskToolViewModel(document);
    private final StringProperty title = new SimpleStringProperty("Atelier");
    private final StringProperty status = new SimpleStringProperty("");
    /** The last error for a dialog; the view clears it once shown. */
    private final StringProperty error = new SimpleStringProperty();
    private final ObservableList<String> notes = FXCollections.observableArrayList();
    private final BooleanProperty canUndo = new SimpleBooleanProperty();
    private final BooleanProperty canRedo = new SimpleBooleanProperty();
    private final StringProperty undoLabel = new SimpleStringProperty("");
    private final StringProperty redoLabel = new SimpleStringProperty("");
    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final ObjectProperty<GenerationParameters> parameters = new SimpleObjectProperty<>();
    private final ObjectProperty<Theme> theme = new SimpleObjectProperty<>(Theme.DARK);
    /** BCP 47 tag of the UI language ("en", "zh-CN"); a change applies at the next start. */
    private final StringProperty language = new SimpleStringProperty("en");
    private final DoubleProperty exportQuality = new SimpleDoubleProperty(0.92);
    private final BooleanProperty webpLossless = new SimpleBooleanProperty(true);
    private long autosavedVersion = -1;
    /** The document's save point at the last save or open; null when it has never been saved (restored work). */
    private String savedPoint;

    public StudioViewModel(Messages messages, TaskRunner tasks, ImageLoader loader, ProjectStore projects, RecoveryStore recovery) {
        this.messages = messages;
        this.tasks = tasks;
        this.loader = loader;
        this.projects = projects;
        this.recovery = recovery;
        document.addListener((o, old, doc) -> attach(doc));
        parameters.addListener((o, a, p) -> {
            Document d = document.get();
            if (d != null && p != null && !p.equals(d.parameters())) d.setParameters(p);
        });
    }

    // ---- properties ---------------------------------------------------------------------------------------------

    public ReadOnlyObjectProperty<Document> documentProperty() { return document; }
    public CanvasViewModel canvas() { return canvas; }
    public MaskToolViewModel maskTool() { return maskTool; }
    public StringProperty titleProperty() { return title; }
    public StringProperty statusProperty() { return status; }
    public StringProperty errorProperty() { return error; }
    public ObservableList<String> notes() { return notes; }
    public BooleanProperty canUndoProperty() { return canUndo; }
    public BooleanProperty canRedoProperty() { return canRedo; }
    public StringProperty undoLabelProperty() { return undoLabel; }
    public StringProperty redoLabelProperty() { return redoLabel; }
    public BooleanProperty busyProperty() { return busy; }
    public ObjectProperty<GenerationParameters> parametersProperty() { return parameters; }
    public ObjectProperty<Theme> themeProperty() { return theme; }
    public StringProperty languageProperty() { return language; }

    /** Chooses the UI language for the next start (the window is built once, in the start language). */
    public void chooseLanguage(String tag) {
        if (tag.equals(language.get())) return;
        language.set(tag);
        status.set(messages.get("status.languageNextStart"));
    }
    public DoubleProperty exportQualityProperty() { return exportQuality; }
    public BooleanProperty webpLosslessProperty() { return webpLossless; }
    public Messages messages() { return messages; }
    /** The image loader the studio was given (references are decoded by it too). */
    public ImageLoader loader() { return loader; }

    public Document document() { return document.get(); }

    // ---- documents ----------------------------------------------------------------------------------------------

    /** A blank document so the window is never empty (a neutral grey canvas). */
    public void newDocument(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        java.util.Arrays.fill(((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData(), 0xFFB0B0B0);
        setDocument(new Document(img, messages.get("doc.untitled")), messages.get("status.new"));
    }

    /** Opens an image or an {@code .atelier} project (decoded in the background). */
    public void open(Path file) {
        String name = file.getFileName().toString();
        busy.set(true);
        status.set(messages.get("status.opening", name));
        if (name.toLowerCase(java.util.Locale.ROOT).endsWith(ProjectStore.EXTENSION)) {
            tasks.run(() -> projects.load(file), doc -> {
                busy.set(false);
                doc.setProjectFile(file);
                setDocument(doc, messages.get("status.opened", name));
            }, this::failed);
        } else {
            tasks.run(() -> loader.load(file), img -> {
                busy.set(false);
                openImage(img, name);
            }, this::failed);
        }
    }

    /** Opens a decoded image (file, drag and drop, clipboard) as a new document. */
    public void openImage(LoadedImage img, String name) {
        Document doc = new Document(img.image(), name);
        if (img.parameters() != null) doc.restore(doc.mask(), List.of(), List.of(), img.parameters());
        setDocument(doc, img.parameters() != null ? messages.get("status.openedWithParameters", name)
                : messages.get("status.opened", name));
        List<String> shown = img.notes(messages);
        notes.setAll(shown);
        if (!shown.isEmpty()) status.set(String.join(" ", shown));
    }

    private void setDocument(Document doc, String message) {
        document.set(doc);
        parameters.set(doc.parameters());
        canvas.setImageSize(doc.width(), doc.height());
        notes.clear();
        status.set(message);
        autosavedVersion = -1;
        savedPoint = doc.savePoint();
    }

    private void attach(Document doc) {
        if (doc == null) return;
        UndoStack u = doc.undoStack();
        u.setOnChange(this::refreshUndo);
        doc.addListener(new dev.atelier.app.document.DocumentListener() {
            @Override public void photoChanged() {
                canvas.imageWidthProperty().set(doc.width());
                canvas.imageHeightProperty().set(doc.height());
                refreshTitle();
            }

            @Override public void maskChanged(dev.atelier.app.document.Rect region) {
                refreshTitle();
            }

            @Override public void itemsChanged() {
                refreshTitle();
            }
        });
        refreshUndo();
    }

    private void refreshUndo() {
        Document d = document.get();
        if (d == null) return;
        UndoStack u = d.undoStack();
        canUndo.set(u.canUndo());
        canRedo.set(u.canRedo());
        undoLabel.set(editLabel(u.undoLabel()));
        redoLabel.set(editLabel(u.redoLabel()));
        refreshTitle();
    }

    /** Edit labels are English identifiers ("Paint mask"); the bundles translate them under {@code edit.Paint_mask}. */
    private String editLabel(String label) {
        return label.isEmpty() ? "" : messages.getOr("edit." + label.replace(' ', '_'), label);
    }

    private void refreshTitle() {
        Document d = document.get();
        if (d == null) return;
        String name = d.projectFile() != null ? d.projectFile().getFileName().toString() : d.photoName();
        title.set((isModified() ? "• " : "") + name + " — Atelier");
    }

    public boolean isModified() {
        Document d = document.get();
        return d != null && !d.savePoint().equals(savedPoint);
    }

    public void undo() {
        Document d = document.get();
        if (d != null && !maskTool.isStroking() && d.undoStack().undo()) status.set(messages.get("status.undone", redoLabel.get()));
    }

    public void redo() {
        Document d = document.get();
        if (d != null && !maskTool.isStroking() && d.undoStack().redo()) status.set(messages.get("status.redone", undoLabel.get()));
    }

    // ---- results (issue 10 feeds these) --------------------------------------------------------------------------

    public void addResult(ResultImage result) {
        Document d = document.get();
        if (d != null) d.addResult(result);
    }

    public void acceptResult(int index) {
        Document d = document.get();
        if (d != null) d.acceptResult(index);
    }

    // ---- saving -------------------------------------------------------------------------------------------------

    /** Saves to the project's file; false when it has none yet (the view then asks for one and calls saveAs). */
    public boolean save() {
        Document d = document.get();
        if (d == null || d.projectFile() == null) return false;
        saveAs(d.projectFile());
        return true;
    }

    public void saveAs(Path file) {
        Document d = document.get();
        if (d == null) return;
        Path target = file.getFileName().toString().endsWith(ProjectStore.EXTENSION) ? file
                : file.resolveSibling(file.getFileName() + ProjectStore.EXTENSION);
        Path previous = d.projectFile();
        d.setProjectFile(target);
        ProjectSnapshot snap = ProjectSnapshot.of(d);
        busy.set(true);
        tasks.run(() -> {
            projects.save(snap, target);
            recovery.discard();
            return snap;
        }, v -> {
            busy.set(false);
            savedPoint = v.savePoint();
            autosavedVersion = v.version();
            refreshTitle();
            status.set(messages.get("status.saved", target.getFileName()));
        }, e -> {
            d.setProjectFile(previous);
            failed(e);
        });
    }

    /** Writes the autosave if the document changed since the last one (called by a timer, and on demand). */
    public void autosaveIfChanged() {
        Document d = document.get();
        if (d == null || d.version() == autosavedVersion || maskTool.isStroking() || busy.get()) return;
        if (!isModified()) { // back at the saved state (e.g. undone): an older autosave must not come back
            if (autosavedVersion != -1) {
                autosavedVersion = -1;
                tasks.run(() -> { recovery.discard(); return null; }, v -> { }, e -> { });
            }
            return;
        }
        ProjectSnapshot snap = ProjectSnapshot.of(d);
        autosavedVersion = snap.version();
        tasks.run(() -> {
            recovery.autosave(snap);
            return snap.version();
        }, v -> status.set(messages.get("status.autosaved", java.time.LocalTime.now().withNano(0))),
           e -> status.set(messages.get("status.autosaveFailed", message(e))));
    }

    /** At start: restores the autosave left by a crash; true if one was restored. */
    public boolean restoreAutosave() {
        if (recovery.pending().isEmpty()) return false;
        try {
            Document d = recovery.restore();
            setDocument(d, messages.get("status.restored"));
            savedPoint = null; // unsaved until the user saves
            refreshTitle();
            return true;
        } catch (UserFacingException e) {
            error.set(messages.get("error.restore", e.message(messages)));
            return false;
        }
    }

    /** Clean exit: the autosave is no longer needed once the user's work is saved or explicitly discarded. */
    public void closeCleanly(boolean keepAutosaveIfUnsaved) {
        if (keepAutosaveIfUnsaved && isModified()) {
            autosaveIfChanged();
        } else {
            recovery.discard();
        }
        tasks.shutdown();
    }

    // ---- export -------------------------------------------------------------------------------------------------

    public ExportOptions exportOptionsFor(Path file) {
        ExportOptions.Format f = ExportOptions.Format.forFileName(file.getFileName().toString());
        return new ExportOptions(f, (float) exportQuality.get(), f == ExportOptions.Format.PNG || webpLossless.get());
    }

    /** Exports the photo with the current parameters embedded; the format follows the file name's extension. */
    public void export(Path file) {
        Document d = document.get();
        if (d == null) return;
        ExportOptions options = exportOptionsFor(file);
        BufferedImage image = d.photo();
        GenerationParameters p = parameters.get();
        busy.set(true);
        tasks.run(() -> {
            ImageExporter.export(image, file, options, p);
            return file;
        }, f -> {
            busy.set(false);
            status.set(messages.get("status.exported", f.getFileName()));
        }, this::failed);
    }

    /** Writes the mask as a grey PNG (for ComfyUI or {@code atelier edit --mask}). */
    public void exportMask(Path file) {
        Document d = document.get();
        if (d == null) return;
        dev.atelier.app.mask.Mask copy = d.mask().copy();
        busy.set(true);
        tasks.run(() -> {
            ImageExporter.exportMask(copy, file);
            return file;
        }, f -> {
            busy.set(false);
            status.set(messages.get("status.exported", f.getFileName()));
        }, this::failed);
    }

    /** Replaces the mask with a grey image of the photo's size (one undo step). */
    public void importMask(Path file) {
        Document d = document.get();
        if (d == null) return;
        busy.set(true);
        tasks.run(() -> loader.loadMask(file, d.width(), d.height()), m -> {
            busy.set(false);
            if (document.get() != d) return;
            d.applyMaskOp("Load mask", target -> System.arraycopy(m.data(), 0, target.data(), 0, m.data().length));
            status.set(messages.get("status.maskLoaded", file.getFileName()));
        }, this::failed);
    }

    private void failed(Throwable e) {
        busy.set(false);
        String m = message(e);
        status.set(m);
        error.set(m);
    }

    private String message(Throwable e) {
        if (e instanceof UserFacingException u) return u.message(messages);
        if (e instanceof OutOfMemoryError) return messages.get("error.memory");
        return messages.get("error.unexpected", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
}
