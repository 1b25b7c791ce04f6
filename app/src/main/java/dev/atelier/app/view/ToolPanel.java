package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.viewmodel.MaskToolViewModel;
import dev.atelier.app.viewmodel.MaskToolViewModel.Tool;
import javafx.beans.property.DoubleProperty;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ColorPicker;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** Left panel: mask tool, brush settings, overlay and whole-mask commands, all bound to {@link MaskToolViewModel}. */
final class ToolPanel extends VBox {
    ToolPanel(MaskToolViewModel vm, Messages m) {
        setId("toolPanel");
        getStyleClass().add("side-panel");
        setSpacing(10);
        setPadding(new Insets(12));
        setPrefWidth(250);

        ToggleGroup group = new ToggleGroup();
        ToggleButton brush = toggle("brushTool", "mdi2b-brush", m.get("tool.brush") + " (B)", group);
        ToggleButton eraser = toggle("eraserTool", "mdi2e-eraser", m.get("tool.eraser") + " (E)", group);
        brush.setSelected(vm.toolProperty().get() == Tool.BRUSH);
        eraser.setSelected(vm.toolProperty().get() == Tool.ERASER);
        vm.toolProperty().addListener((o, a, t) -> (t == Tool.BRUSH ? brush : eraser).setSelected(true));
        group.selectedToggleProperty().addListener((o, a, t) -> {
            if (t == null) a.setSelected(true);
            else vm.toolProperty().set(t == brush ? Tool.BRUSH : Tool.ERASER);
        });
        HBox tools = new HBox(6, brush, eraser);

        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);
        int row = 0;
        row = slider(grid, row, m.get("brush.size"), "brushSize", vm.sizeProperty(), 1, 500, "%.0f px");
        row = slider(grid, row, m.get("brush.hardness"), "brushHardness", vm.hardnessProperty(), 0, 1, "%.0f %%", 100);
        row = slider(grid, row, m.get("brush.opacity"), "brushOpacity", vm.opacityProperty(), 0, 1, "%.0f %%", 100);

        GridPane overlay = new GridPane();
        overlay.setHgap(8);
        overlay.setVgap(6);
        int r2 = slider(overlay, 0, m.get("overlay.opacity"), "overlayOpacity", vm.overlayOpacityProperty(), 0, 1, "%.0f %%", 100);
        ColorPicker color = new ColorPicker();
        color.setId("overlayColor");
        color.valueProperty().bindBidirectional(vm.overlayColorProperty());
        color.setMaxWidth(Double.MAX_VALUE);
        overlay.add(fixed(m.get("overlay.color")), 0, r2);
        overlay.add(color, 1, r2, 2, 1);

        Spinner<Integer> radius = new Spinner<>(1, 200, vm.opRadiusProperty().get());
        radius.setId("opRadius");
        radius.setEditable(true);
        radius.setPrefWidth(90);
        radius.valueProperty().addListener((o, a, v) -> vm.opRadiusProperty().set(v));
        HBox radiusRow = new HBox(8, new Label(m.get("mask.radius")), radius);

        GridPane ops = new GridPane();
        ops.setHgap(6);
        ops.setVgap(6);
        ops.add(command("maskInvert", "mdi2i-invert-colors", m.get("mask.invert"), vm::invert), 0, 0);
        ops.add(command("maskClear", "mdi2d-delete-outline", m.get("mask.clear"), vm::clear), 1, 0);
        ops.add(command("maskFill", "mdi2f-format-color-fill", m.get("mask.fill"), vm::fill), 0, 1);
        ops.add(command("maskFeather", "mdi2b-blur", m.get("mask.feather"), vm::feather), 1, 1);
        ops.add(command("maskGrow", "mdi2a-arrow-expand-all", m.get("mask.grow"), vm::grow), 0, 2);
        ops.add(command("maskShrink", "mdi2a-arrow-collapse-all", m.get("mask.shrink"), vm::shrink), 1, 2);

        getChildren().addAll(heading(m.get("panel.tools")), tools, grid, heading(m.get("panel.overlay")), overlay,
                heading(m.get("panel.mask")), radiusRow, ops);
    }

    private static Label fixed(String text) {
        Label l = new Label(text);
        l.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        return l;
    }

    private static Label heading(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("panel-heading");
        return l;
    }

    private static ToggleButton toggle(String id, String icon, String tip, ToggleGroup g) {
        ToggleButton b = new ToggleButton(null, Icons.icon(icon));
        b.setId(id);
        b.setToggleGroup(g);
        b.setTooltip(new Tooltip(tip));
        b.getStyleClass().add("tool-toggle");
        return b;
    }

    private static Button command(String id, String icon, String text, Runnable action) {
        Button b = new Button(text, Icons.icon(icon));
        b.setId(id);
        b.setMaxWidth(Double.MAX_VALUE);
        b.setOnAction(e -> action.run());
        GridPane.setHgrow(b, Priority.ALWAYS);
        return b;
    }

    private static int slider(GridPane g, int row, String label, String id, DoubleProperty p, double min, double max, String fmt) {
        return slider(g, row, label, id, p, min, max, fmt, 1);
    }

    private static int slider(GridPane g, int row, String label, String id, DoubleProperty p, double min, double max,
                              String fmt, double displayScale) {
        Slider s = new Slider(min, max, p.get());
        s.setId(id);
        s.valueProperty().bindBidirectional(p);
        Label value = new Label();
        value.getStyleClass().add("value-label");
        value.textProperty().bind(p.map(v -> String.format(fmt, v.doubleValue() * displayScale)));
        value.setMinWidth(48);
        g.add(fixed(label), 0, row);
        g.add(s, 1, row);
        g.add(value, 2, row);
        GridPane.setHgrow(s, Priority.ALWAYS);
        return row + 1;
    }
}
