package dev.atelier.app.view;

import dev.atelier.app.viewmodel.StudioViewModel;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;

/** Bottom bar: the latest message, a busy indicator, image size, zoom and the undo step. */
final class StatusBar extends HBox {
    StatusBar(StudioViewModel vm) {
        setId("statusBar");
        getStyleClass().add("status-bar");
        setSpacing(14);
        setAlignment(Pos.CENTER_LEFT);
        setPadding(new Insets(4, 10, 4, 10));
        Label status = new Label();
        status.setId("statusText");
        status.textProperty().bind(vm.statusProperty());
        status.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(status, Priority.ALWAYS);
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(14, 14);
        busy.visibleProperty().bind(vm.busyProperty());
        Label size = new Label();
        size.setId("imageSize");
        size.textProperty().bind(vm.canvas().imageWidthProperty().asString().concat(" × ")
                .concat(vm.canvas().imageHeightProperty().asString()));
        Label zoom = new Label();
        zoom.setId("zoomText");
        zoom.textProperty().bind(vm.canvas().zoomTextProperty());
        Label undo = new Label();
        undo.setId("undoText");
        undo.textProperty().bind(vm.undoLabelProperty());
        getChildren().addAll(status, busy, undo, size, zoom);
    }
}
