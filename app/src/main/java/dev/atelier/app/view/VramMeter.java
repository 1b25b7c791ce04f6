package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.viewmodel.ModelSetupViewModel;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

/**
 * The memory meter (#vramSection): a bar with the device's use, this process's share and the budget line, one line
 * of text, the per-component breakdown while a job runs, and the model set-up button. Sampled every second.
 */
final class VramMeter extends VBox {
    VramMeter(ModelSetupViewModel vm, Messages m, Runnable openSetup) {
        super(4);
        setId("vramSection");
        Pane bar = new Pane();
        bar.setId("vramBar");
        bar.getStyleClass().add("vram-bar");
        bar.setPrefHeight(12);
        bar.setMinHeight(12);
        Region used = new Region();
        used.getStyleClass().add("vram-used");
        Region own = new Region();
        own.getStyleClass().add("vram-process");
        Region budget = new Region();
        budget.setId("vramBudgetLine");
        budget.getStyleClass().add("vram-budget");
        bar.getChildren().addAll(used, own, budget);
        Runnable layout = () -> {
            double w = bar.getWidth(), h = bar.getHeight();
            used.resizeRelocate(0, 0, w * vm.memoryFractionProperty().get(), h);
            own.resizeRelocate(0, 0, w * vm.processFractionProperty().get(), h);
            double b = vm.budgetFractionProperty().get();
            budget.setVisible(b >= 0);
            budget.resizeRelocate(Math.max(0, w * b - 1), 0, 2, h);
        };
        bar.widthProperty().addListener(o -> layout.run());
        vm.memoryFractionProperty().addListener(o -> layout.run());
        vm.processFractionProperty().addListener(o -> layout.run());
        vm.budgetFractionProperty().addListener(o -> layout.run());
        Label text = new Label(m.get("mem.waiting"));
        text.setId("memoryText");
        text.setWrapText(true);
        text.setMaxWidth(310);
        text.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        vm.memoryTextProperty().addListener((o, a, t) -> text.setText(t));
        Label comps = new Label();
        comps.setId("componentsText");
        comps.getStyleClass().add("value-label");
        comps.setWrapText(true);
        comps.setMaxWidth(310);
        comps.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        comps.textProperty().bind(vm.componentsTextProperty());
        Button setup = new Button(m.get("setup.button"), Icons.icon("mdi2f-folder-cog-outline"));
        setup.setId("setupButton");
        setup.setOnAction(e -> openSetup.run());
        Label model = new Label();
        model.setId("modelText");
        model.getStyleClass().add("value-label");
        model.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            var s = vm.scanProperty().get();
            if (s == null) return m.get("setup.noModel");
            return s.canEdit() ? s.root().getFileName().toString() : m.get("setup.incomplete");
        }, vm.scanProperty()));
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        getChildren().addAll(PromptPanel.heading(m.get("panel.vram")), bar, text, comps, new HBox(6, model, grow, setup));
        Timeline t = new Timeline(new KeyFrame(Duration.seconds(1), e -> vm.sample()));
        t.setCycleCount(Timeline.INDEFINITE);
        sceneProperty().addListener((o, a, s) -> {
            if (s != null) t.play();
            else t.stop();
        });
        vm.sample();
    }
}
