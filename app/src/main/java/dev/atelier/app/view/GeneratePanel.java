package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.inference.api.Preset;
import java.util.List;
import javafx.collections.ListChangeListener;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The right-hand panel (#generatePanel): prompt, presets with their predicted cost, Generate / Cancel with progress
 * and the live preview, the results strip, and the memory meter pinned at the bottom (always visible).
 */
public final class GeneratePanel extends VBox {
    private final GenerationViewModel gen;
    private final Messages m;
    private final FlowPane presetButtons = new FlowPane(4, 4);
    private final ToggleGroup presetGroup = new ToggleGroup();

    public GeneratePanel(StudioViewModel studio, GenerationViewModel gen, Runnable openSetup) {
        this.gen = gen;
        this.m = studio.messages();
        setId("generatePanel");
        getStyleClass().add("side-panel");
        setPrefWidth(330);
        setMinWidth(300);

        Label problems = new Label();
        problems.setId("presetProblems");
        problems.getStyleClass().add("hint");
        problems.setWrapText(true);
        problems.setMaxWidth(300);
        Runnable showProblems = () -> {
            var list = gen.prompt().presetProblems();
            problems.setText(list.isEmpty() ? "" : m.get("gen.presetProblems", list.size()));
            problems.setTooltip(list.isEmpty() ? null : new Tooltip(String.join("\n", list.stream().map(Object::toString).toList())));
            problems.setVisible(!list.isEmpty());
            problems.setManaged(!list.isEmpty());
        };
        gen.prompt().presetProblems().addListener((ListChangeListener<Object>) c -> showProblems.run());
        showProblems.run();
        VBox presets = new VBox(6, PromptPanel.heading(m.get("panel.presets")), presetButtons, problems);
        presets.setId("presetsSection");
        presetButtons.setPrefWrapLength(300);
        gen.prompt().presets().addListener((ListChangeListener<Preset>) c -> rebuildPresets());
        gen.prompt().presetProperty().addListener((o, a, p) -> selectPresetButton());
        ModelSetupViewModel setup = gen.setup();
        setup.costs().addListener((MapChangeListener<String, Object>) c -> rebuildPresets());
        setup.presetMissing().addListener((MapChangeListener<String, List<String>>) c -> rebuildPresets());
        rebuildPresets();

        VBox jobs = jobs();
        PromptPanel prompt = new PromptPanel(studio, gen);
        VBox content = new VBox(10, prompt, presets, jobs, new ResultsView(studio, gen), prompt.settings(), prompt.extras());
        content.setPadding(new Insets(10));
        ScrollPane scroll = new ScrollPane(content);
        scroll.setFitToWidth(true);
        scroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        scroll.getStyleClass().add("side-scroll");
        VBox.setVgrow(scroll, Priority.ALWAYS);
        VramMeter meter = new VramMeter(setup, m, openSetup);
        meter.setPadding(new Insets(8, 10, 10, 10));
        getChildren().addAll(scroll, meter);
    }

    private VBox jobs() {
        Button generate = new Button(m.get("gen.generate"), Icons.icon("mdi2c-creation"));
        generate.setId("generateButton");
        generate.setDefaultButton(false);
        generate.getStyleClass().add("accent-button");
        generate.setTooltip(new Tooltip(m.get("gen.generate") + " (Ctrl+Enter)"));
        generate.setOnAction(e -> gen.generate());
        generate.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(generate, Priority.ALWAYS);
        Button cancel = new Button(m.get("gen.cancel"), Icons.icon("mdi2s-stop"));
        cancel.setId("cancelButton");
        cancel.disableProperty().bind(gen.runningProperty().not());
        cancel.setOnAction(e -> gen.cancel());
        ProgressBar bar = new ProgressBar(0);
        bar.setId("progressBar");
        bar.setMaxWidth(Double.MAX_VALUE);
        bar.progressProperty().bind(gen.progressProperty());
        bar.visibleProperty().bind(gen.runningProperty());
        bar.managedProperty().bind(gen.runningProperty());
        Label text = new Label();
        text.setId("progressText");
        text.getStyleClass().add("value-label");
        text.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            String s = gen.stageProperty().get();
            String p = gen.progressTextProperty().get();
            int q = gen.queuedProperty().get();
            String queue = q > 1 ? " · " + m.get("gen.inQueue", q - 1) : "";
            return (p.isEmpty() ? s : p) + queue;
        }, gen.stageProperty(), gen.progressTextProperty(), gen.queuedProperty()));
        ImageView preview = new ImageView();
        preview.setId("previewImage");
        preview.setFitWidth(300);
        preview.setFitHeight(200);
        preview.setPreserveRatio(true);
        preview.setSmooth(false);
        gen.previewProperty().addListener((o, a, img) -> preview.setImage(FxImages.of(img)));
        preview.visibleProperty().bind(gen.previewProperty().isNotNull());
        preview.managedProperty().bind(preview.visibleProperty());
        VBox box = new VBox(6, new HBox(6, generate, cancel), bar, text, preview);
        box.setId("jobsSection");
        return box;
    }

    private void rebuildPresets() {
        presetButtons.getChildren().clear();
        ModelSetupViewModel setup = gen.setup();
        for (Preset p : gen.prompt().presets()) {
            ToggleButton b = new ToggleButton();
            b.setId("preset-" + p.name());
            b.getStyleClass().add("preset-button");
            b.setToggleGroup(presetGroup);
            Label name = new Label(p.origin().startsWith("builtin") ? m.getOr("preset." + p.name(), p.label()) : p.label());
            name.getStyleClass().add("preset-name");
            Label cost = new Label(setup.costLabel(p.name()));
            cost.getStyleClass().add("preset-cost");
            cost.setId("cost-" + p.name());
            b.setGraphic(new VBox(1, name, cost));
            List<String> missing = setup.presetMissing().getOrDefault(p.name(), List.of());
            var c = setup.costs().get(p.name());
            StringBuilder tip = new StringBuilder(p.description());
            if (c != null) tip.append("\n\n").append(c.summary());
            if (!missing.isEmpty()) {
                tip.append("\n\n").append(m.get("setup.missing")).append("\n  ").append(String.join("\n  ", missing));
                b.getStyleClass().add("preset-missing");
            }
            b.setTooltip(new Tooltip(tip.toString()));
            b.setOnAction(e -> {
                gen.prompt().choosePreset(p);
                b.setSelected(true);
            });
            presetButtons.getChildren().add(b);
        }
        selectPresetButton();
    }

    private void selectPresetButton() {
        Preset p = gen.prompt().presetProperty().get();
        presetButtons.getChildren().forEach(n -> ((ToggleButton) n).setSelected(p != null && n.getId().equals("preset-" + p.name())));
    }
}
