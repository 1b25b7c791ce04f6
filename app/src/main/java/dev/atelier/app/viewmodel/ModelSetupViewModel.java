package dev.atelier.app.viewmodel;

import dev.atelier.app.Messages;
import dev.atelier.inference.api.CostEstimate;
import dev.atelier.inference.api.MemorySnapshot;
import dev.atelier.inference.api.ModelScan;
import dev.atelier.inference.api.ModelSetup;
import dev.atelier.inference.api.Preset;
import dev.atelier.inference.api.Telemetry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableMap;

/**
 * Model set-up and memory: the model folder and its scan (what is there, what is missing), the VRAM budget and
 * device settings, the planner's cost per preset for the current photo, and the memory meter (device used/total,
 * this process's share, per-component bytes while a job runs, the budget; process memory on a CPU-only machine).
 * Scans and estimates run through the {@link TaskRunner}. FX thread only.
 */
public final class ModelSetupViewModel {
    /** Physical memory of the machine (the CPU meter's scale). */
    private static final long SYSTEM_MEMORY = systemMemory();
    private final Messages m;
    private final TaskRunner tasks;
    private final Telemetry telemetry;
    private final Consumer<ModelSetupViewModel> onSaved;
    private final ObjectProperty<Path> folder = new SimpleObjectProperty<>();
    private final ObjectProperty<ModelScan> scan = new SimpleObjectProperty<>();
    /** VRAM budget in GiB; 0 = automatic. */
    private final DoubleProperty budgetGiB = new SimpleDoubleProperty(0);
    /** "auto" or "cpu". */
    private final StringProperty device = new SimpleStringProperty("auto");
    private final ObjectProperty<MemorySnapshot> memory = new SimpleObjectProperty<>();
    private final ObjectProperty<MemorySnapshot> jobMemory = new SimpleObjectProperty<>();
    private final StringProperty memoryText = new SimpleStringProperty("");
    private final StringProperty componentsText = new SimpleStringProperty("");
    private final DoubleProperty memoryFraction = new SimpleDoubleProperty();
    private final DoubleProperty processFraction = new SimpleDoubleProperty();
    private final DoubleProperty budgetFraction = new SimpleDoubleProperty(-1);
    private final ObservableMap<String, CostEstimate> costs = FXCollections.observableMap(new LinkedHashMap<>());
    private final ObservableMap<String, List<String>> presetMissing = FXCollections.observableMap(new LinkedHashMap<>());

    /** @param onSaved called after {@link #apply} (the composition root writes the settings file) */
    public ModelSetupViewModel(Messages m, TaskRunner tasks, Telemetry telemetry, Consumer<ModelSetupViewModel> onSaved) {
        this.m = m;
        this.tasks = tasks;
        this.telemetry = telemetry;
        this.onSaved = onSaved;
        memory.addListener(o -> refreshMeter());
        jobMemory.addListener(o -> refreshMeter());
    }

    public ObjectProperty<Path> folderProperty() { return folder; }
    public ObjectProperty<ModelScan> scanProperty() { return scan; }
    public DoubleProperty budgetGiBProperty() { return budgetGiB; }
    public StringProperty deviceProperty() { return device; }
    public ObjectProperty<MemorySnapshot> memoryProperty() { return memory; }
    public StringProperty memoryTextProperty() { return memoryText; }
    public StringProperty componentsTextProperty() { return componentsText; }
    public DoubleProperty memoryFractionProperty() { return memoryFraction; }
    public DoubleProperty processFractionProperty() { return processFraction; }
    /** Where the budget line sits on the meter (0..1), -1 when there is none. */
    public DoubleProperty budgetFractionProperty() { return budgetFraction; }
    /** The planner's prediction per preset name for the current photo. */
    public ObservableMap<String, CostEstimate> costs() { return costs; }
    /** Files each preset still needs (empty list: it can run). */
    public ObservableMap<String, List<String>> presetMissing() { return presetMissing; }

    public boolean cpuDevice() {
        return "cpu".equals(device.get()) || !telemetry.gpu();
    }

    public String deviceName() {
        return cpuDevice() ? "CPU" : telemetry.deviceName();
    }

    public long budgetBytes() {
        if (cpuDevice()) return 0;
        return budgetGiB.get() > 0 ? (long) (budgetGiB.get() * (1L << 30)) : telemetry.defaultBudget();
    }

    /** Scans {@code dir} in the background; {@code then} runs on the FX thread with the result. */
    public void scan(Path dir, Consumer<ModelScan> then) {
        tasks.run(() -> ModelSetup.scan(dir), s -> {
            if (then != null) then.accept(s);
        }, e -> {
            if (then != null) then.accept(new ModelScan(dir, "unknown", List.of(), List.of(), List.of(dir + ": " + e.getMessage()), null));
        });
    }

    /** Uses {@code dir} (already scanned as {@code s}) with the given budget and device, and saves the settings. */
    public void apply(Path dir, ModelScan s, double budget, String dev) {
        folder.set(dir);
        scan.set(s);
        budgetGiB.set(Math.max(0, budget));
        device.set(dev == null ? "auto" : dev);
        if (onSaved != null) onSaved.accept(this);
    }

    /** Predictions for every preset at the photo's size (background). */
    public void estimate(List<Preset> presets, int photoWidth, int photoHeight, int references) {
        ModelScan s = scan.get();
        String dev = deviceName();
        long budget = budgetBytes();
        double area = Math.min((double) photoWidth * photoHeight, 1024.0 * 1024);
        double aspect = (double) photoWidth / Math.max(1, photoHeight);
        int w = (int) Math.max(256, Math.sqrt(area * aspect)), h = (int) Math.max(256, Math.sqrt(area / aspect));
        tasks.run(() -> {
            Map<String, CostEstimate> out = new LinkedHashMap<>();
            for (Preset p : presets) {
                String kind = p.supports(Preset.EDIT) ? Preset.EDIT : Preset.GENERATE;
                Path model = s == null ? null : kind.equals(Preset.EDIT) ? s.editModel() : s.generateModel();
                try {
                    out.put(p.name(), CostEstimate.of(model, p, kind, w, h, references, dev, budget));
                } catch (RuntimeException e) {
                    out.put(p.name(), new CostEstimate("unknown", Double.NaN, 0, e.getMessage()));
                }
            }
            return out;
        }, out -> {
            costs.clear();
            costs.putAll(out);
        }, e -> costs.clear());
        presetMissing.clear();
        for (Preset p : presets) {
            presetMissing.put(p.name(), s == null ? List.of(m.get("setup.noModel"))
                    : s.missingFor(p, p.supports(Preset.EDIT) ? Preset.EDIT : Preset.GENERATE));
        }
    }

    /** A one-line cost for a preset button: "fits · ~12 s", "streams · ~40 s", "CPU · ~300 s". */
    public String costLabel(String preset) {
        CostEstimate c = costs.get(preset);
        if (c == null) return "";
        String head = switch (c.mode()) {
            case "fits" -> m.get("cost.fits");
            case "staged" -> m.get("cost.staged");
            case "streams" -> m.get("cost.streams");
            case "too-small" -> m.get("cost.tooSmall");
            case "cpu" -> m.get("cost.cpu");
            default -> "?";
        };
        return Double.isFinite(c.seconds()) ? head + String.format(Locale.ROOT, " · ~%.0f s", c.seconds()) : head;
    }

    /** Samples memory now (the view calls it every second). */
    public void sample() {
        long budget = budgetBytes();
        MemorySnapshot job = jobMemory.get();
        tasks.run(() -> telemetry.sample(budget, job == null ? Map.of() : job.components()), memory::set, e -> { });
    }

    /** The running job's latest snapshot (components), or null when no job runs. */
    public void jobMemory(MemorySnapshot s) {
        jobMemory.set(s);
    }

    private void refreshMeter() {
        MemorySnapshot s = memory.get();
        MemorySnapshot job = jobMemory.get();
        if (s == null) s = job;
        if (s == null) return;
        Map<String, Long> comps = job != null ? job.components() : Map.of();
        if (s.cpuOnly() || s.deviceTotal() <= 0) {
            memoryText.set(m.get("mem.cpu", gib(s.processUsed())));
            memoryFraction.set(0);
            processFraction.set(Math.min(1, (double) s.processUsed() / Math.max(1, SYSTEM_MEMORY)));
            budgetFraction.set(-1);
        } else {
            memoryText.set(m.get("mem.gpu", gib(s.deviceUsed()), gib(s.deviceTotal()), gib(s.processUsed())));
            memoryFraction.set((double) s.deviceUsed() / s.deviceTotal());
            processFraction.set((double) s.processUsed() / s.deviceTotal());
            budgetFraction.set(s.budget() > 0 ? Math.min(1, (double) s.budget() / s.deviceTotal()) : -1);
        }
        StringBuilder sb = new StringBuilder();
        comps.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " · ").append(m.getOr("mem.component." + k, k)).append(' ')
                .append(gib(v)));
        if (s.budget() > 0) sb.append(sb.isEmpty() ? "" : "\n").append(m.get("mem.budget", gib(s.budget())));
        componentsText.set(sb.toString());
    }

    private static long systemMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    static String gib(long bytes) {
        return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
    }

    public void close() {
        telemetry.close();
    }
}
