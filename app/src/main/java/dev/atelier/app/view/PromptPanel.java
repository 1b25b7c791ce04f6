package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.document.Document;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.PromptViewModel;
import dev.atelier.app.viewmodel.PromptViewModel.SeedMode;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.inference.api.LoraSpec;
import dev.atelier.inference.api.SizePolicy;
import java.io.File;
import javafx.collections.ListChangeListener;
import javafx.collections.SetChangeListener;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

/**
 * The prompt section: prompt and negative, seed, steps, CFG, strength, size, reference images (drag in, up to 3),
 * LoRAs, batch count. A field that differs from the preset gets the {@code changed} style class (accent border).
 */
final class PromptPanel extends VBox {
    private final PromptViewModel p;
    private final Messages m;
    private final TitledPane settings;
    private final TitledPane extras;

    PromptPanel(StudioViewModel studio, GenerationViewModel gen) {
        super(6);
        this.p = gen.prompt();
        this.m = studio.messages();
        setId("promptSection");

        TextArea prompt = area("promptField", m.get("gen.promptHint"), 4);
        prompt.textProperty().bindBidirectional(p.promptProperty());
        TextArea negative = area("negativeField", m.get("gen.negativeHint"), 2);
        negative.textProperty().bindBidirectional(p.negativeProperty());

        ChoiceBox<SeedMode> seedMode = new ChoiceBox<>();
        seedMode.setId("seedMode");
        seedMode.getItems().setAll(SeedMode.values());
        seedMode.setConverter(converter(s -> m.get("seed." + s.name().toLowerCase(java.util.Locale.ROOT))));
        seedMode.valueProperty().bindBidirectional(p.seedModeProperty());
        TextField seed = new TextField();
        seed.setId("seedField");
        seed.setPrefColumnCount(8);
        seed.setText(Long.toString(p.seedProperty().get()));
        p.seedProperty().addListener((o, a, v) -> seed.setText(Long.toString(v.longValue())));
        seed.textProperty().addListener((o, a, t) -> {
            try {
                p.seedProperty().set(Long.parseLong(t.trim()));
            } catch (NumberFormatException ignored) {
                // keeps the last valid seed while typing
            }
        });
        seed.disableProperty().bind(p.seedModeProperty().isEqualTo(SeedMode.RANDOM));

        Spinner<Integer> steps = new Spinner<>(1, dev.atelier.inference.api.GenerationSettings.MAX_STEPS, p.stepsProperty().get());
        steps.setId("stepsField");
        steps.setEditable(true);
        steps.getValueFactory().valueProperty().addListener((o, a, v) -> p.stepsProperty().set(v));
        p.stepsProperty().addListener((o, a, v) -> steps.getValueFactory().setValue(v.intValue()));
        Spinner<Double> cfg = new Spinner<>(1.0, dev.atelier.inference.api.GenerationSettings.MAX_CFG, p.cfgProperty().get(), 0.5);
        cfg.setId("cfgField");
        cfg.setEditable(true);
        cfg.getValueFactory().valueProperty().addListener((o, a, v) -> p.cfgProperty().set(v));
        p.cfgProperty().addListener((o, a, v) -> cfg.getValueFactory().setValue(v.doubleValue()));
        Slider strength = new Slider(0.05, 1, p.strengthProperty().get());
        strength.setId("strengthField");
        strength.valueProperty().bindBidirectional(p.strengthProperty());
        Label strengthValue = new Label();
        strengthValue.getStyleClass().add("value-label");
        strengthValue.textProperty().bind(p.strengthProperty().asString("%.2f"));

        ChoiceBox<SizePolicy.Mode> size = new ChoiceBox<>();
        size.setId("sizeField");
        size.getItems().setAll(SizePolicy.Mode.values());
        size.setConverter(converter(s -> m.get("size." + s.name().toLowerCase(java.util.Locale.ROOT))));
        size.valueProperty().bindBidirectional(p.sizeModeProperty());
        Spinner<Integer> width = sideSpinner("widthField", p.widthProperty());
        Spinner<Integer> height = sideSpinner("heightField", p.heightProperty());
        HBox sides = new HBox(4, width, new Label("×"), height);
        sides.setAlignment(Pos.CENTER_LEFT);
        sides.visibleProperty().bind(p.sizeModeProperty().isNotEqualTo(SizePolicy.Mode.MATCH_SOURCE));
        sides.managedProperty().bind(sides.visibleProperty());
        Spinner<Integer> batch = new Spinner<>(1, 8, p.batchProperty().get());
        batch.setId("batchField");
        batch.getValueFactory().valueProperty().addListener((o, a, v) -> p.batchProperty().set(v));

        GridPane grid = new GridPane();
        grid.setHgap(6);
        grid.setVgap(4);
        grid.addRow(0, label("gen.seed"), new HBox(4, seedMode, seed));
        grid.addRow(1, label("gen.steps"), steps);
        grid.addRow(2, label("gen.cfg"), cfg);
        grid.addRow(3, label("gen.strength"), new HBox(4, strength, strengthValue));
        grid.addRow(4, label("gen.size"), new VBox(4, size, sides));
        grid.addRow(5, label("gen.batch"), batch);

        Node[] markable = {steps, cfg, strength, size};
        String[] names = {PromptViewModel.STEPS, PromptViewModel.CFG, PromptViewModel.STRENGTH, PromptViewModel.SIZE};
        VBox loras = loras();
        p.changedFields().addListener((SetChangeListener<String>) c -> {
            for (int i = 0; i < markable.length; i++) mark(markable[i], p.changedFields().contains(names[i]));
            mark(loras, p.changedFields().contains(PromptViewModel.LORAS));
        });
        Button reset = new Button(m.get("gen.resetToPreset"));
        reset.setId("resetButton");
        reset.setOnAction(e -> p.resetToPreset());
        reset.visibleProperty().bind(javafx.beans.binding.Bindings.createBooleanBinding(() -> !p.changedFields().isEmpty(),
                p.changedFields()));

        getChildren().addAll(heading(m.get("panel.prompt")), prompt, negative);
        settings = new TitledPane(m.get("panel.settings"), new VBox(6, grid, reset));
        settings.setId("settingsPane");
        extras = new TitledPane(m.get("panel.extras"), new VBox(8, references(studio, gen), loras));
        extras.setId("extrasPane");
        extras.setExpanded(false);
        // a changed LoRA strength or an added reference should not hide: open the pane when its content changes
        p.changedFields().addListener((SetChangeListener<String>) c -> {
            if (p.changedFields().contains(PromptViewModel.LORAS)) extras.setExpanded(true);
        });
    }

    /** Seed, steps, CFG, strength, size, variations (expanded). */
    TitledPane settings() {
        return settings;
    }

    /** Reference images and LoRAs (collapsed until used). */
    TitledPane extras() {
        return extras;
    }

    private VBox references(StudioViewModel studio, GenerationViewModel gen) {
        HBox thumbs = new HBox(4);
        thumbs.setId("referencesBox");
        thumbs.setMinHeight(52);
        thumbs.setAlignment(Pos.CENTER_LEFT);
        thumbs.getStyleClass().add("drop-zone");
        Label hint = new Label(m.get("gen.referencesHint"));
        hint.getStyleClass().add("hint");
        Runnable refresh = () -> {
            thumbs.getChildren().clear();
            Document d = studio.document();
            if (d == null || d.references().isEmpty()) {
                thumbs.getChildren().add(hint);
                return;
            }
            for (int i = 0; i < d.references().size(); i++) {
                ReferenceImage r = d.references().get(i);
                ImageView v = new ImageView(FxImages.of(r.image()));
                v.setFitWidth(48);
                v.setFitHeight(48);
                v.setPreserveRatio(true);
                int index = i;
                Button remove = new Button(null, Icons.icon("mdi2c-close"));
                remove.getStyleClass().add("mini-button");
                remove.setTooltip(new Tooltip(m.get("gen.removeReference", r.name())));
                remove.setOnAction(e -> gen.removeReference(index));
                thumbs.getChildren().add(new VBox(1, v, remove));
            }
        };
        studio.documentProperty().addListener((o, a, d) -> {
            refresh.run();
            if (d != null) d.addListener(new dev.atelier.app.document.DocumentListener() {
                @Override public void photoChanged() { }
                @Override public void maskChanged(dev.atelier.app.document.Rect region) { }
                @Override public void itemsChanged() { refresh.run(); }
            });
        });
        if (studio.document() != null) {
            Document d = studio.document();
            d.addListener(new dev.atelier.app.document.DocumentListener() {
                @Override public void photoChanged() { }
                @Override public void maskChanged(dev.atelier.app.document.Rect region) { }
                @Override public void itemsChanged() { refresh.run(); }
            });
        }
        refresh.run();
        thumbs.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) e.acceptTransferModes(TransferMode.COPY);
            e.consume();
        });
        thumbs.setOnDragDropped(e -> {
            boolean ok = e.getDragboard().hasFiles();
            if (ok) for (File f : e.getDragboard().getFiles()) gen.addReference(f.toPath());
            e.setDropCompleted(ok);
            e.consume();
        });
        Button add = new Button(m.get("gen.addReference"), Icons.icon("mdi2i-image-plus"));
        add.setId("addReferenceButton");
        add.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            File f = fc.showOpenDialog(getScene().getWindow());
            if (f != null) gen.addReference(f.toPath());
        });
        return new VBox(4, label("gen.references"), thumbs, add);
    }

    private VBox loras() {
        VBox rows = new VBox(3);
        VBox box = new VBox(4, label("gen.loras"), rows);
        box.setId("lorasBox");
        Runnable refresh = () -> {
            rows.getChildren().clear();
            rows.getProperties().put("files", p.loras().stream().map(LoraSpec::file).toList());
            for (int i = 0; i < p.loras().size(); i++) {
                LoraSpec l = p.loras().get(i);
                int index = i;
                Label name = new Label(l.file());
                name.setMaxWidth(150);
                name.setTooltip(new Tooltip(l.file()));
                Spinner<Double> s = new Spinner<>(-4.0, 4.0, l.strength(), 0.1);
                s.setPrefWidth(80);
                s.setEditable(true);
                s.getValueFactory().valueProperty().addListener((o, a, v) -> p.setLoraStrength(index, v));
                Button remove = new Button(null, Icons.icon("mdi2c-close"));
                remove.getStyleClass().add("mini-button");
                remove.setOnAction(e -> p.removeLora(index));
                HBox row = new HBox(4, name, s, remove);
                row.setAlignment(Pos.CENTER_LEFT);
                HBox.setHgrow(name, Priority.ALWAYS);
                rows.getChildren().add(row);
            }
        };
        p.loras().addListener((ListChangeListener<LoraSpec>) c -> {
            // a strength edit replaces its entry in place: rebuild only when the files change
            java.util.List<String> files = p.loras().stream().map(LoraSpec::file).toList();
            if (!files.equals(rows.getProperties().get("files"))) refresh.run();
        });
        refresh.run();
        Button add = new Button(m.get("gen.addLora"), Icons.icon("mdi2p-plus"));
        add.setId("addLoraButton");
        add.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("LoRA", "*.safetensors"));
            File f = fc.showOpenDialog(getScene().getWindow());
            if (f != null) p.addLora(f.getAbsolutePath(), 1.0);
        });
        box.getChildren().add(add);
        return box;
    }

    /** Width or height in steps of 16 within the engine's limits. */
    private static Spinner<Integer> sideSpinner(String id, javafx.beans.property.IntegerProperty prop) {
        Spinner<Integer> sp = new Spinner<>(SizePolicy.MIN_SIDE, SizePolicy.MAX_SIDE, prop.get(), 16);
        sp.setId(id);
        sp.setEditable(true);
        sp.setPrefWidth(90);
        sp.getValueFactory().valueProperty().addListener((o, a, v) -> prop.set(Math.round(v / 16f) * 16));
        prop.addListener((o, a, v) -> sp.getValueFactory().setValue(v.intValue()));
        return sp;
    }

    private static void mark(Node n, boolean changed) {
        if (changed && !n.getStyleClass().contains("changed")) n.getStyleClass().add("changed");
        if (!changed) n.getStyleClass().remove("changed");
    }

    private Label label(String key) {
        Label l = new Label(m.get(key));
        l.getStyleClass().add("field-label");
        return l;
    }

    static Label heading(String text) {
        Label h = new Label(text);
        h.getStyleClass().add("panel-heading");
        return h;
    }

    private static TextArea area(String id, String hint, int rows) {
        TextArea a = new TextArea();
        a.setId(id);
        a.setPromptText(hint);
        a.setPrefRowCount(rows);
        a.setWrapText(true);
        return a;
    }

    private static <T> StringConverter<T> converter(java.util.function.Function<T, String> f) {
        return new StringConverter<>() {
            @Override public String toString(T t) { return t == null ? "" : f.apply(t); }
            @Override public T fromString(String s) { return null; }
        };
    }
}
