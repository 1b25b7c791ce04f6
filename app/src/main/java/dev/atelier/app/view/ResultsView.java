package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.document.ResultImage;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import javafx.collections.ListChangeListener;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;

/**
 * Results (#resultsSection): the history strip (thumbnails, newest last), a compare view — the result over the
 * original, revealed up to the slider, or the original alone while "Original" is held down — and Accept (undoable),
 * Discard and Recall parameters for the selected result.
 */
final class ResultsView extends VBox {
    private final GenerationViewModel gen;
    private final StudioViewModel studio;
    private final HBox strip = new HBox(4);
    private final ImageView original = new ImageView();
    private final ImageView result = new ImageView();
    private final Rectangle clip = new Rectangle();
    private java.awt.image.BufferedImage shownPhoto;

    ResultsView(StudioViewModel studio, GenerationViewModel gen) {
        super(6);
        this.gen = gen;
        this.studio = studio;
        Messages m = studio.messages();
        setId("resultsSection");
        strip.setId("resultsStrip");
        strip.setAlignment(Pos.CENTER_LEFT);
        ScrollPane scroll = new ScrollPane(strip);
        scroll.setPrefViewportHeight(60);
        scroll.setFitToHeight(true);
        scroll.setVbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        Label empty = new Label(m.get("generate.resultsHint"));
        empty.getStyleClass().add("hint");
        empty.setWrapText(true);

        for (ImageView v : new ImageView[] {original, result}) {
            v.setFitWidth(300);
            v.setFitHeight(220);
            v.setPreserveRatio(true);
        }
        original.setId("compareOriginal");
        result.setId("compareResult");
        result.setClip(clip);
        StackPane compare = new StackPane(original, result);
        compare.setId("compareView");
        StackPane.setAlignment(original, Pos.TOP_LEFT);
        StackPane.setAlignment(result, Pos.TOP_LEFT);
        Slider split = new Slider(0, 1, 1);
        split.setId("compareSlider");
        split.valueProperty().bindBidirectional(gen.compareSplitProperty());
        ToggleButton showOriginal = new ToggleButton(m.get("gen.showOriginal"));
        showOriginal.setId("showOriginalButton");
        showOriginal.selectedProperty().bindBidirectional(gen.showOriginalProperty());
        result.visibleProperty().bind(gen.showOriginalProperty().not());
        gen.compareSplitProperty().addListener(o -> updateClip());
        result.imageProperty().addListener(o -> updateClip());

        Button accept = new Button(m.get("gen.accept"), Icons.icon("mdi2c-check"));
        accept.setId("acceptButton");
        accept.setOnAction(e -> gen.accept(gen.selectedProperty().get()));
        Button discard = new Button(m.get("gen.discard"), Icons.icon("mdi2d-delete-outline"));
        discard.setId("discardButton");
        discard.setOnAction(e -> gen.discard(gen.selectedProperty().get()));
        Button recall = new Button(m.get("gen.recall"), Icons.icon("mdi2h-history"));
        recall.setId("recallButton");
        recall.setTooltip(new Tooltip(m.get("gen.recallTip")));
        recall.setOnAction(e -> gen.recall(gen.selectedProperty().get()));
        ToggleButton onCanvas = new ToggleButton(null, Icons.icon("mdi2c-compare-horizontal"));
        onCanvas.setId("compareOnCanvasButton");
        onCanvas.setTooltip(new Tooltip(m.get("gen.compareOnCanvas")));
        onCanvas.selectedProperty().bindBidirectional(gen.compareOnCanvasProperty());
        HBox actions = new HBox(4, accept, discard, recall);
        VBox details = new VBox(6, compare, new HBox(6, showOriginal, split, onCanvas), actions);
        details.visibleProperty().bind(gen.selectedProperty().greaterThanOrEqualTo(0));
        details.managedProperty().bind(details.visibleProperty());
        empty.visibleProperty().bind(details.visibleProperty().not());
        empty.managedProperty().bind(empty.visibleProperty());

        gen.results().addListener((ListChangeListener<ResultImage>) c -> rebuild());
        gen.selectedProperty().addListener(o -> { rebuild(); showSelected(); });
        studio.documentProperty().addListener((o, a, d) -> showSelected());
        getChildren().addAll(PromptPanel.heading(m.get("panel.results")), scroll, empty, details);
        rebuild();
        showSelected();
    }

    private void rebuild() {
        strip.getChildren().clear();
        for (int i = 0; i < gen.results().size(); i++) {
            ResultImage r = gen.results().get(i);
            ImageView v = new ImageView(FxImages.of(r.image()));
            v.setFitWidth(52);
            v.setFitHeight(52);
            v.setPreserveRatio(true);
            Button b = new Button(null, v);
            b.setId("result-" + i);
            b.getStyleClass().add("result-thumb");
            if (r.accepted()) b.getStyleClass().add("result-accepted");
            if (i == gen.selectedProperty().get()) b.getStyleClass().add("result-selected");
            b.setTooltip(new Tooltip(r.parameters().prompt() + "\nseed " + r.parameters().seed() + " · "
                    + r.parameters().preset() + " · " + r.parameters().steps() + " steps"));
            int index = i;
            b.setOnAction(e -> gen.selectedProperty().set(index));
            strip.getChildren().add(b);
        }
        showSelected();
    }

    private void showSelected() {
        int i = gen.selectedProperty().get();
        var d = studio.document();
        if (d == null || d.photo() != shownPhoto) {
            shownPhoto = d == null ? null : d.photo();
            original.setImage(FxImages.of(shownPhoto));
        }
        result.setImage(i >= 0 && i < gen.results().size() ? FxImages.of(gen.results().get(i).image()) : null);
        updateClip();
    }

    private void updateClip() {
        var img = result.getImage();
        if (img == null) return;
        double scale = Math.min(result.getFitWidth() / img.getWidth(), result.getFitHeight() / img.getHeight());
        clip.setWidth(img.getWidth() * scale * gen.compareSplitProperty().get());
        clip.setHeight(img.getHeight() * scale);
    }
}
