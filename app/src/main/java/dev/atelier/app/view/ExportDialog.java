package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.io.ExportOptions;
import dev.atelier.app.viewmodel.StudioViewModel;
import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;

/** Quality (JPEG, lossy WebP) and lossless (WebP) for an export, bound to the view-model's export settings. */
final class ExportDialog {
    private ExportDialog() {}

    /** True when the user confirmed; PNG needs no question. */
    static boolean confirm(StudioViewModel vm, Messages m, Window owner, ExportOptions.Format format) {
        if (format == ExportOptions.Format.PNG) return true;
        Dialog<ButtonType> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle(m.get("export.title"));
        d.setHeaderText(m.get("export.header", format.name()));
        Slider quality = new Slider(0.05, 1, vm.exportQualityProperty().get());
        quality.setId("exportQuality");
        quality.valueProperty().bindBidirectional(vm.exportQualityProperty());
        Label value = new Label();
        value.textProperty().bind(quality.valueProperty().map(v -> Math.round(v.doubleValue() * 100) + ""));
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.setPadding(new Insets(12));
        g.addRow(0, new Label(m.get("export.quality")), quality, value);
        if (format == ExportOptions.Format.WEBP) {
            CheckBox lossless = new CheckBox(m.get("export.lossless"));
            lossless.setId("exportLossless");
            lossless.selectedProperty().bindBidirectional(vm.webpLosslessProperty());
            quality.disableProperty().bind(lossless.selectedProperty());
            g.add(lossless, 1, 1);
        }
        d.getDialogPane().setContent(g);
        d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        boolean ok = d.showAndWait().filter(b -> b == ButtonType.OK).isPresent();
        quality.valueProperty().unbindBidirectional(vm.exportQualityProperty());
        return ok;
    }
}
