package dev.atelier.app.viewmodel;

import dev.atelier.app.document.GenerationParameters;
import dev.atelier.inference.api.LoraSpec;
import dev.atelier.inference.api.Preset;
import dev.atelier.inference.api.PresetCatalog;
import dev.atelier.inference.api.PresetProblem;
import dev.atelier.inference.api.SizePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableSet;

/**
 * The prompt panel's fields: prompt and negative, seed (random / fixed / reuse the last), steps, CFG, strength, size
 * policy, LoRAs and batch count. Choosing a preset puts its values in the fields; {@link #changedFields()} names the
 * fields the user has changed from the preset's value (the view marks them). FX thread only.
 */
public final class PromptViewModel {
    /** Field names used by {@link #changedFields()} (also the view's ids without the "Field" suffix). */
    public static final String STEPS = "steps", CFG = "cfg", STRENGTH = "strength", SIZE = "size", LORAS = "loras";

    public enum SeedMode { RANDOM, FIXED, REUSE }

    private final StringProperty prompt = new SimpleStringProperty("");
    private final StringProperty negative = new SimpleStringProperty("");
    private final ObjectProperty<SeedMode> seedMode = new SimpleObjectProperty<>(SeedMode.RANDOM);
    private final LongProperty seed = new SimpleLongProperty(42);
    private final LongProperty lastSeed = new SimpleLongProperty(-1);
    private final IntegerProperty steps = new SimpleIntegerProperty(40);
    private final DoubleProperty cfg = new SimpleDoubleProperty(4);
    private final DoubleProperty strength = new SimpleDoubleProperty(1);
    private final ObjectProperty<SizePolicy.Mode> sizeMode = new SimpleObjectProperty<>(SizePolicy.Mode.MATCH_SOURCE);
    private final IntegerProperty width = new SimpleIntegerProperty(1024);
    private final IntegerProperty height = new SimpleIntegerProperty(1024);
    private final ObservableList<LoraSpec> loras = FXCollections.observableArrayList();
    private final IntegerProperty batch = new SimpleIntegerProperty(1);
    private final ObjectProperty<Preset> preset = new SimpleObjectProperty<>();
    private final ObservableList<Preset> presets = FXCollections.observableArrayList();
    private final ObservableList<PresetProblem> presetProblems = FXCollections.observableArrayList();
    private final ObservableSet<String> changed = FXCollections.observableSet();
    private boolean applying;

    public PromptViewModel() {
        steps.addListener(o -> refreshChanged());
        cfg.addListener(o -> refreshChanged());
        strength.addListener(o -> refreshChanged());
        sizeMode.addListener(o -> refreshChanged());
        width.addListener(o -> refreshChanged());
        height.addListener(o -> refreshChanged());
        loras.addListener((javafx.collections.ListChangeListener<LoraSpec>) c -> refreshChanged());
    }

    public StringProperty promptProperty() { return prompt; }
    public StringProperty negativeProperty() { return negative; }
    public ObjectProperty<SeedMode> seedModeProperty() { return seedMode; }
    public LongProperty seedProperty() { return seed; }
    /** The seed of the last job submitted (-1 before any). */
    public LongProperty lastSeedProperty() { return lastSeed; }
    public IntegerProperty stepsProperty() { return steps; }
    public DoubleProperty cfgProperty() { return cfg; }
    public DoubleProperty strengthProperty() { return strength; }
    public ObjectProperty<SizePolicy.Mode> sizeModeProperty() { return sizeMode; }
    public IntegerProperty widthProperty() { return width; }
    public IntegerProperty heightProperty() { return height; }
    public ObservableList<LoraSpec> loras() { return loras; }
    public IntegerProperty batchProperty() { return batch; }
    public ObjectProperty<Preset> presetProperty() { return preset; }
    public ObservableList<Preset> presets() { return presets; }
    public ObservableList<PresetProblem> presetProblems() { return presetProblems; }
    /** Names of the fields that differ from the chosen preset ({@link #STEPS}, {@link #CFG}, ...). */
    public ObservableSet<String> changedFields() { return changed; }

    /** Loads the catalog; keeps the chosen preset if it is still there, else picks "draft" (or the first). */
    public void setCatalog(PresetCatalog catalog) {
        presets.setAll(catalog.all());
        presetProblems.setAll(catalog.problems());
        Preset keep = preset.get() == null ? null : catalog.find(preset.get().name()).orElse(null);
        choosePreset(keep != null ? keep : catalog.find("draft").orElse(presets.isEmpty() ? Preset.DEFAULTS : presets.getFirst()));
    }

    /** One click: the preset's values replace steps, CFG, strength, size and LoRAs (prompt and seed stay). */
    public void choosePreset(Preset p) {
        applying = true;
        try {
            preset.set(p);
            steps.set(p.steps());
            cfg.set(p.cfg());
            strength.set(p.strength());
            sizeMode.set(p.size().mode());
            width.set(p.size().width());
            height.set(p.size().height());
            loras.setAll(p.settings(kindOf(p), 0).loras());
        } finally {
            applying = false;
        }
        refreshChanged();
    }

    public void choosePreset(String name) {
        presets.stream().filter(p -> p.name().equals(name)).findFirst().ifPresent(this::choosePreset);
    }

    /** The job kind a preset runs as in the studio: edits, unless it is text-to-image only (turbo). */
    public static String kindOf(Preset p) {
        return p.supports(Preset.EDIT) ? Preset.EDIT : Preset.GENERATE;
    }

    /** Puts the fields back to the preset's values. */
    public void resetToPreset() {
        if (preset.get() != null) choosePreset(preset.get());
    }

    public void addLora(String file, double s) {
        if (loras.size() < dev.atelier.inference.api.GenerationSettings.MAX_LORAS) loras.add(new LoraSpec(file, s));
    }

    public void setLoraStrength(int index, double s) {
        LoraSpec l = loras.get(index);
        loras.set(index, new LoraSpec(l.file(), Math.max(-LoraSpec.MAX_STRENGTH, Math.min(LoraSpec.MAX_STRENGTH, s))));
    }

    public void removeLora(int index) {
        loras.remove(index);
    }

    private void refreshChanged() {
        if (applying) return;
        Preset p = preset.get();
        List<String> now = new ArrayList<>();
        if (p != null) {
            if (steps.get() != p.steps()) now.add(STEPS);
            if (Math.abs(cfg.get() - p.cfg()) > 1e-9) now.add(CFG);
            if (Math.abs(strength.get() - p.strength()) > 1e-9) now.add(STRENGTH);
            if (sizeMode.get() != p.size().mode() || (sizeMode.get() != SizePolicy.Mode.MATCH_SOURCE
                    && (width.get() != p.size().width() || height.get() != p.size().height()))) now.add(SIZE);
            if (!Objects.equals(List.copyOf(loras), p.settings(kindOf(p), 0).loras())) now.add(LORAS);
        }
        changed.retainAll(now);
        changed.addAll(now);
    }

    /** The seeds of a batch of {@code n} jobs under the seed mode ({@code random} supplies random ones). */
    public long[] seedsFor(int n, java.util.function.LongSupplier random) {
        long[] out = new long[n];
        long base = switch (seedMode.get()) {
            case RANDOM -> 0;
            case FIXED -> seed.get();
            case REUSE -> lastSeed.get() >= 0 ? lastSeed.get() : seed.get();
        };
        for (int i = 0; i < n; i++) out[i] = seedMode.get() == SeedMode.RANDOM ? random.getAsLong() & 0xFFFFFFFFFFFFL : base + i;
        return out;
    }

    /** "Recall parameters": the fields take a result's values (its preset chosen first when known). */
    public void recall(GenerationParameters p) {
        if (p == null) return;
        presets.stream().filter(x -> x.name().equals(p.preset())).findFirst().ifPresent(this::choosePreset);
        prompt.set(p.prompt());
        negative.set(p.negative());
        seedMode.set(SeedMode.FIXED);
        seed.set(p.seed());
        if (p.steps() > 0) steps.set(p.steps());
        if (p.cfg() >= 1) cfg.set(p.cfg());
        if (p.strength() > 0) strength.set(p.strength());
        if (!p.sizeMode().isEmpty()) {
            try {
                sizeMode.set(SizePolicy.Mode.valueOf(p.sizeMode()));
                if (p.width() > 0) width.set(p.width());
                if (p.height() > 0) height.set(p.height());
            } catch (IllegalArgumentException ignored) {
                // a newer file's mode: keep the preset's
            }
        }
        loras.setAll(p.loras().stream().map(l -> new LoraSpec(l.file(), l.strength())).toList());
    }
}
