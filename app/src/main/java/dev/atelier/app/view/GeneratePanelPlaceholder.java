package dev.atelier.app.view;

import dev.atelier.app.Messages;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextArea;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The right-hand panel's place: prompt, presets, results strip and VRAM meter arrive with issue 10. Each section
 * is a VBox with a stable id ({@code promptSection}, {@code presetsSection}, {@code resultsSection},
 * {@code vramSection}) so part 2 can replace them one at a time.
 */
final class GeneratePanelPlaceholder extends VBox {
    GeneratePanelPlaceholder(Messages m) {
        setId("generatePanel");
        getStyleClass().add("side-panel");
        setSpacing(12);
        setPadding(new Insets(12));
        setPrefWidth(300);

        TextArea prompt = new TextArea();
        prompt.setId("promptPlaceholder");
        prompt.setPromptText(m.get("generate.promptHint"));
        prompt.setPrefRowCount(4);
        prompt.setWrapText(true);
        prompt.setDisable(true);

        Label presets = new Label(m.get("generate.presetsHint"));
        presets.setWrapText(true);
        presets.getStyleClass().add("hint");
        Label results = new Label(m.get("generate.resultsHint"));
        results.setWrapText(true);
        results.getStyleClass().add("hint");
        ProgressBar vram = new ProgressBar(0);
        vram.setMaxWidth(Double.MAX_VALUE);
        Label vramText = new Label(m.get("generate.vramHint"));
        vramText.getStyleClass().add("hint");

        Region grow = new Region();
        VBox.setVgrow(grow, javafx.scene.layout.Priority.ALWAYS);
        getChildren().addAll(
                section("promptSection", m.get("panel.prompt"), prompt),
                section("presetsSection", m.get("panel.presets"), presets),
                section("resultsSection", m.get("panel.results"), results),
                grow,
                section("vramSection", m.get("panel.vram"), vram, vramText));
    }

    private static VBox section(String id, String title, javafx.scene.Node... content) {
        Label h = new Label(title);
        h.getStyleClass().add("panel-heading");
        VBox box = new VBox(6, h);
        box.getChildren().addAll(content);
        box.setId(id);
        return box;
    }
}
