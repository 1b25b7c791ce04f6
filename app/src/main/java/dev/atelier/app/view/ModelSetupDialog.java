package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import dev.atelier.inference.api.ModelScan;
import dev.atelier.inference.api.Preset;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;

/**
 * Model set-up: choose a diffusers folder or ComfyUI's models/ folder; the scan lists what was found (component,
 * architecture, format, size), what is missing (exact file names), damaged files, and which presets can run; the
 * VRAM budget (0 = automatic) and the device are set here too.
 */
public final class ModelSetupDialog extends Dialog<ButtonType> {
    private final ModelSetupViewModel vm;
    private final Messages m;
    private final TextField folder = new TextField();
    private final TextArea report = new TextArea();
    private ModelScan scan;

    public ModelSetupDialog(Window owner, ModelSetupViewModel vm, Messages m, List<Preset> presets, String reason) {
        this.vm = vm;
        this.m = m;
        if (owner != null) initOwner(owner);
        setTitle(m.get("setup.title"));
        setHeaderText(reason == null ? m.get("setup.header") : reason);
        folder.setId("setupFolder");
        folder.setPrefColumnCount(34);
        Path current = vm.folderProperty().get();
        if (current != null) folder.setText(current.toString());
        Button browse = new Button(m.get("setup.browse"));
        browse.setId("setupBrowse");
        browse.setOnAction(e -> {
            DirectoryChooser dc = new DirectoryChooser();
            File f = dc.showDialog(getDialogPane().getScene().getWindow());
            if (f != null) {
                folder.setText(f.getAbsolutePath());
                rescan(presets);
            }
        });
        Button scanButton = new Button(m.get("setup.scan"));
        scanButton.setId("setupScan");
        scanButton.setOnAction(e -> rescan(presets));
        folder.setOnAction(e -> rescan(presets));
        report.setId("setupReport");
        report.setEditable(false);
        report.setWrapText(true);
        report.setPrefRowCount(14);
        Spinner<Double> budget = new Spinner<>(0.0, 1024.0, vm.budgetGiBProperty().get(), 1.0);
        budget.setId("setupBudget");
        budget.setEditable(true);
        ChoiceBox<String> device = new ChoiceBox<>();
        device.setId("setupDevice");
        device.getItems().setAll("auto", "cpu");
        device.setValue(vm.deviceProperty().get());
        GridPane settings = new GridPane();
        settings.setHgap(8);
        settings.setVgap(6);
        settings.addRow(0, new Label(m.get("setup.budget")), budget);
        settings.addRow(1, new Label(m.get("setup.device")), device);
        HBox row = new HBox(6, folder, browse, scanButton);
        HBox.setHgrow(folder, Priority.ALWAYS);
        VBox content = new VBox(8, new Label(m.get("setup.folder")), row, report, settings);
        content.setPadding(new Insets(10));
        getDialogPane().setContent(content);
        getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        getDialogPane().setId("modelSetupDialog");
        setResultConverter(b -> {
            if (b == ButtonType.OK && !folder.getText().isBlank()) {
                Path dir = Path.of(folder.getText().trim());
                ModelScan s = scan != null && dir.equals(scan.root()) ? scan : dev.atelier.inference.api.ModelSetup.scan(dir);
                vm.apply(dir, s, budget.getValue(), device.getValue());
            } else if (b == ButtonType.OK) {
                vm.budgetGiBProperty().set(budget.getValue());
                vm.deviceProperty().set(device.getValue());
            }
            return b;
        });
        if (current != null) rescan(presets);
        else report.setText(m.get("setup.explain"));
    }

    private void rescan(List<Preset> presets) {
        if (folder.getText().isBlank()) return;
        Path dir = Path.of(folder.getText().trim());
        report.setText(m.get("setup.scanning"));
        vm.scan(dir, s -> {
            scan = s;
            report.setText(describe(s, presets, m));
        });
    }

    /** The report text: found, missing, problems, presets. */
    public static String describe(ModelScan s, List<Preset> presets, Messages m) {
        StringBuilder b = new StringBuilder();
        b.append(m.get("setup.layout", s.layout())).append('\n');
        for (ModelScan.Component c : s.components()) {
            b.append("  ✓ ").append(c.role()).append(": ").append(c.fileName()).append(" — ").append(c.architecture())
                    .append(", ").append(c.format()).append(", ")
                    .append(String.format(Locale.ROOT, "%.2f GB", c.bytes() / 1e9)).append('\n');
        }
        if (!s.missing().isEmpty()) {
            b.append('\n').append(m.get("setup.missing")).append('\n');
            s.missing().forEach(x -> b.append("  ✗ ").append(x).append('\n'));
        }
        if (!s.problems().isEmpty()) {
            b.append('\n').append(m.get("setup.problems")).append('\n');
            s.problems().forEach(x -> b.append("  ! ").append(x).append('\n'));
        }
        b.append('\n').append(m.get("setup.presets")).append('\n');
        for (Preset p : presets) {
            List<String> miss = s.missingFor(p, p.supports(Preset.EDIT) ? Preset.EDIT : Preset.GENERATE);
            b.append(miss.isEmpty() ? "  ✓ " : "  ✗ ").append(p.label());
            if (!miss.isEmpty()) b.append(" — ").append(m.get("setup.needs")).append(' ').append(String.join("; ", miss));
            b.append('\n');
        }
        return b.toString();
    }
}
