package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.LoadedImage;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.viewmodel.StudioViewModel;
import java.io.File;
import java.util.List;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.scene.input.Clipboard;
import javafx.scene.input.DragEvent;
import javafx.scene.input.TransferMode;
import javafx.stage.FileChooser;
import javafx.stage.Window;

/** File choosers, drag and drop and the clipboard: the view-side halves of the view-model's file commands. */
final class FileActions {
    private final StudioViewModel vm;
    private final Messages m;
    private final Window owner;
    private File lastDir;

    FileActions(StudioViewModel vm, Messages m, Window owner) {
        this.vm = vm;
        this.m = m;
        this.owner = owner;
    }

    /**
     * Before replacing a document with unsaved changes: Save / Don't save / Cancel. True when it is safe to go on
     * (a save is queued on the IO thread before whatever comes next, so it completes first).
     */
    boolean confirmReplace() {
        if (!vm.isModified()) return true;
        javafx.scene.control.ButtonType save = new javafx.scene.control.ButtonType(m.get("confirm.save"),
                javafx.scene.control.ButtonBar.ButtonData.YES);
        javafx.scene.control.ButtonType discard = new javafx.scene.control.ButtonType(m.get("confirm.discard"),
                javafx.scene.control.ButtonBar.ButtonData.NO);
        javafx.scene.control.Alert a = new javafx.scene.control.Alert(javafx.scene.control.Alert.AlertType.CONFIRMATION,
                m.get("confirm.text"), save, discard, javafx.scene.control.ButtonType.CANCEL);
        a.initOwner(owner);
        a.setHeaderText(m.get("confirm.header", vm.document().photoName()));
        var choice = a.showAndWait().orElse(javafx.scene.control.ButtonType.CANCEL);
        if (choice == save) {
            if (vm.save()) return true;
            saveAs();
            return !vm.isModified() || vm.busyProperty().get();
        }
        return choice == discard;
    }

    void newDocument() {
        if (confirmReplace()) vm.newDocument(1024, 1024);
    }

    void open() {
        if (!confirmReplace()) return;
        FileChooser fc = chooser(m.get("menu.open"));
        fc.getExtensionFilters().addAll(
                new FileChooser.ExtensionFilter(m.get("filter.all"), "*.png", "*.jpg", "*.jpeg", "*.webp", "*.tif", "*.tiff",
                        "*.bmp", "*" + ProjectStore.EXTENSION),
                new FileChooser.ExtensionFilter(m.get("filter.project"), "*" + ProjectStore.EXTENSION));
        File f = fc.showOpenDialog(owner);
        if (f != null) {
            lastDir = f.getParentFile();
            vm.open(f.toPath());
        }
    }

    void save() {
        if (!vm.save()) saveAs();
    }

    void saveAs() {
        FileChooser fc = chooser(m.get("menu.saveAs"));
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter(m.get("filter.project"), "*" + ProjectStore.EXTENSION));
        File f = fc.showSaveDialog(owner);
        if (f != null) {
            lastDir = f.getParentFile();
            vm.saveAs(f.toPath());
        }
    }

    void export() {
        FileChooser fc = chooser(m.get("menu.export"));
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("PNG", "*.png"),
                new FileChooser.ExtensionFilter("WebP", "*.webp"), new FileChooser.ExtensionFilter("JPEG", "*.jpg", "*.jpeg"));
        File f = fc.showSaveDialog(owner);
        if (f != null) {
            lastDir = f.getParentFile();
            String ext = fc.getSelectedExtensionFilter() == null ? "png"
                    : fc.getSelectedExtensionFilter().getExtensions().getFirst().substring(2);
            File target = f.getName().contains(".") ? f : new File(f.getParentFile(), f.getName() + "." + ext);
            var format = dev.atelier.app.io.ExportOptions.Format.forFileName(target.getName());
            if (ExportDialog.confirm(vm, m, owner, format)) vm.export(target.toPath());
        }
    }

    void exportMask() {
        FileChooser fc = chooser(m.get("menu.exportMask"));
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("PNG", "*.png"));
        File f = fc.showSaveDialog(owner);
        if (f != null) {
            lastDir = f.getParentFile();
            vm.exportMask((f.getName().contains(".") ? f : new File(f.getParentFile(), f.getName() + ".png")).toPath());
        }
    }

    void importMask() {
        FileChooser fc = chooser(m.get("menu.importMask"));
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter(m.get("filter.all"), "*.png", "*.webp", "*.bmp", "*.tif", "*.tiff"));
        File f = fc.showOpenDialog(owner);
        if (f != null) {
            lastDir = f.getParentFile();
            vm.importMask(f.toPath());
        }
    }

    /** Ctrl+V: an image file or image data from the clipboard. */
    void paste() {
        if (!confirmReplace()) return;
        Clipboard cb = Clipboard.getSystemClipboard();
        if (cb.hasFiles() && !cb.getFiles().isEmpty()) {
            vm.open(cb.getFiles().getFirst().toPath());
        } else if (cb.hasImage()) {
            openFxImage(cb.getImage(), m.get("doc.pasted"));
        } else {
            vm.statusProperty().set(m.get("status.nothingToPaste"));
        }
    }

    void installDragAndDrop(Scene scene) {
        scene.addEventHandler(DragEvent.DRAG_OVER, e -> {
            if (e.getDragboard().hasFiles() || e.getDragboard().hasImage()) e.acceptTransferModes(TransferMode.COPY);
        });
        scene.addEventHandler(DragEvent.DRAG_DROPPED, e -> {
            var db = e.getDragboard();
            List<File> files = db.hasFiles() ? List.copyOf(db.getFiles()) : List.of();
            Image image = files.isEmpty() && db.hasImage() ? db.getImage() : null;
            e.setDropCompleted(!files.isEmpty() || image != null);
            e.consume();
            // The question about unsaved changes is asked after the drag gesture has ended.
            javafx.application.Platform.runLater(() -> {
                if (files.isEmpty() && image == null || !confirmReplace()) return;
                if (!files.isEmpty()) vm.open(files.getFirst().toPath());
                else openFxImage(image, m.get("doc.dropped"));
            });
        });
    }

    private void openFxImage(Image img, String name) {
        var bi = ImageLoader.toArgb(SwingFXUtils.fromFXImage(img, null));
        vm.openImage(new LoadedImage(bi, List.of(), null), name);
    }

    private FileChooser chooser(String title) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        if (lastDir != null && lastDir.isDirectory()) fc.setInitialDirectory(lastDir);
        return fc;
    }
}
