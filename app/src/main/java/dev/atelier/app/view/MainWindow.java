package dev.atelier.app.view;

import dev.atelier.app.Messages;
import dev.atelier.app.viewmodel.CanvasViewModel;
import dev.atelier.app.viewmodel.GenerationViewModel;
import dev.atelier.app.viewmodel.MaskToolViewModel;
import dev.atelier.app.viewmodel.StudioViewModel;
import dev.atelier.app.viewmodel.Theme;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import java.util.List;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.Separator;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Stage;

/**
 * The studio window: menus and tool bar on top, tools on the left, the canvas in the centre, the generation panel
 * (issue 10) on the right and the status bar at the bottom. All state lives in {@link StudioViewModel}.
 */
public final class MainWindow {
    private final StudioViewModel vm;
    private final GenerationViewModel gen;
    private final Messages m;
    private final BorderPane root = new BorderPane();
    private final CanvasView canvasView;
    private final Scene scene;
    private FileActions files;

    public MainWindow(StudioViewModel vm, double width, double height) {
        this(vm, null, width, height);
    }

    /** The full studio: with {@code gen} the generation panel replaces the placeholder (null: part 1's placeholder). */
    public MainWindow(StudioViewModel vm, GenerationViewModel gen, double width, double height) {
        this.vm = vm;
        this.gen = gen;
        this.m = vm.messages();
        root.setId("root");
        canvasView = new CanvasView(vm.documentProperty(), vm.canvas(), vm.maskTool());
        root.setCenter(canvasView);
        root.setLeft(new ToolPanel(vm.maskTool(), m));
        root.setRight(gen == null ? new GeneratePanelPlaceholder(m) : new GeneratePanel(vm, gen, () -> openSetup(null)));
        root.setBottom(new StatusBar(vm));
        scene = new Scene(root, width, height);
        scene.getStylesheets().add(getClass().getResource("/ui/css/base.css").toExternalForm());
        applyTheme(vm.themeProperty().get());
        vm.themeProperty().addListener((o, a, t) -> applyTheme(t));
        root.setTop(new VBox(menuBar(), toolBar()));
        installKeys();
        if (gen != null) installGeneration();
        vm.notes().addListener((javafx.collections.ListChangeListener<String>) c -> {
            if (vm.notes().isEmpty()) return;
            Alert info = new Alert(Alert.AlertType.INFORMATION, String.join("\n\n", vm.notes()));
            info.setHeaderText(m.get("notes.title"));
            if (scene.getWindow() != null) info.initOwner(scene.getWindow());
            info.show();
        });
        vm.errorProperty().addListener((o, a, msg) -> {
            if (msg == null) return;
            Alert alert = new Alert(Alert.AlertType.ERROR, msg);
            alert.setHeaderText(m.get("error.title"));
            if (scene.getWindow() != null) alert.initOwner(scene.getWindow());
            alert.show();
            vm.errorProperty().set(null);
        });
    }

    public Scene scene() {
        return scene;
    }

    public CanvasView canvasView() {
        return canvasView;
    }

    /** Hooks that need the stage (file choosers, drag and drop, title). */
    public void attach(Stage stage) {
        stage.setScene(scene);
        stage.titleProperty().bind(vm.titleProperty());
        files = new FileActions(vm, m, stage);
        files.installDragAndDrop(scene);
    }

    private void applyTheme(Theme t) {
        scene.getStylesheets().removeIf(s -> s.endsWith("/light.css") || s.endsWith("/dark.css"));
        scene.getStylesheets().add(getClass().getResource(t.stylesheet()).toExternalForm());
        root.getStyleClass().removeAll("theme-light", "theme-dark");
        root.getStyleClass().add(t == Theme.DARK ? "theme-dark" : "theme-light");
        canvasView.setColors(t == Theme.DARK ? Color.web("#1e1f22") : Color.web("#d9dadc"),
                t == Theme.DARK ? Color.rgb(255, 255, 255, 0.25) : Color.rgb(0, 0, 0, 0.25));
    }

    private MenuBar menuBar() {
        MaskToolViewModel tool = vm.maskTool();
        CanvasViewModel cv = vm.canvas();
        Menu file = new Menu(m.get("menu.file"), null,
                item("menuNew", m.get("menu.new"), "Shortcut+N", () -> files.newDocument()),
                item("menuOpen", m.get("menu.open"), "Shortcut+O", () -> files.open()),
                item("menuSave", m.get("menu.save"), "Shortcut+S", () -> files.save()),
                item("menuSaveAs", m.get("menu.saveAs"), "Shortcut+Shift+S", () -> files.saveAs()),
                item("menuExport", m.get("menu.export"), "Shortcut+E", () -> files.export()));
        MenuItem undo = item("menuUndo", m.get("menu.undo"), "Shortcut+Z", vm::undo);
        undo.disableProperty().bind(vm.canUndoProperty().not());
        MenuItem redo = item("menuRedo", m.get("menu.redo"), "Shortcut+Shift+Z", vm::redo);
        redo.disableProperty().bind(vm.canRedoProperty().not());
        Menu edit = new Menu(m.get("menu.edit"), null, undo, redo,
                item("menuRedoY", m.get("menu.redo"), "Shortcut+Y", vm::redo),
                item("menuPaste", m.get("menu.paste"), "Shortcut+V", () -> files.paste()));
        edit.getItems().get(2).setVisible(false);
        Menu mask = new Menu(m.get("menu.mask"), null,
                item("menuInvert", m.get("mask.invert"), "Shortcut+I", tool::invert),
                item("menuClear", m.get("mask.clear"), "Delete", tool::clear),
                item("menuFill", m.get("mask.fill"), "Shift+F5", tool::fill),
                item("menuGrow", m.get("mask.grow"), null, tool::grow),
                item("menuShrink", m.get("mask.shrink"), null, tool::shrink),
                item("menuFeather", m.get("mask.feather"), null, tool::feather),
                new javafx.scene.control.SeparatorMenuItem(),
                item("menuImportMask", m.get("menu.importMask"), null, () -> files.importMask()),
                item("menuExportMask", m.get("menu.exportMask"), null, () -> files.exportMask()));
        CheckMenuItem grid = new CheckMenuItem(m.get("menu.pixelGrid"));
        grid.selectedProperty().bindBidirectional(cv.pixelGridProperty());
        ToggleGroup themes = new ToggleGroup();
        RadioMenuItem light = new RadioMenuItem(m.get("menu.themeLight"));
        RadioMenuItem dark = new RadioMenuItem(m.get("menu.themeDark"));
        light.setId("menuThemeLight");
        dark.setId("menuThemeDark");
        light.setToggleGroup(themes);
        dark.setToggleGroup(themes);
        (vm.themeProperty().get() == Theme.DARK ? dark : light).setSelected(true);
        light.setOnAction(e -> vm.themeProperty().set(Theme.LIGHT));
        dark.setOnAction(e -> vm.themeProperty().set(Theme.DARK));
        ToggleGroup langs = new ToggleGroup();
        RadioMenuItem en = new RadioMenuItem("English");
        RadioMenuItem zh = new RadioMenuItem("简体中文");
        en.setId("menuLangEn");
        zh.setId("menuLangZh");
        en.setToggleGroup(langs);
        zh.setToggleGroup(langs);
        (vm.languageProperty().get().startsWith("zh") ? zh : en).setSelected(true);
        en.setOnAction(e -> vm.chooseLanguage("en"));
        zh.setOnAction(e -> vm.chooseLanguage("zh-CN"));
        Menu view = new Menu(m.get("menu.view"), null,
                item("menuZoomIn", m.get("view.zoomIn"), "Shortcut+EQUALS", cv::zoomIn),
                item("menuZoomOut", m.get("view.zoomOut"), "Shortcut+MINUS", cv::zoomOut),
                item("menuFit", m.get("view.fit"), "Shortcut+0", cv::fit),
                item("menuActual", m.get("view.actual"), "Shortcut+1", cv::actualSize),
                grid, new Menu(m.get("menu.theme"), null, light, dark), new Menu(m.get("menu.language"), null, en, zh));
        MenuBar bar = new MenuBar(file, edit, mask, view);
        if (gen != null) {
            MenuItem generate = item("menuGenerate", m.get("gen.generate"), null, gen::generate);
            generate.setAccelerator(KeyCombination.keyCombination("Shortcut+Enter"));
            MenuItem cancel = item("menuCancel", m.get("gen.cancel"), null, gen::cancel);
            cancel.disableProperty().bind(gen.runningProperty().not());
            bar.getMenus().add(new Menu(m.get("menu.generate"), null, generate, cancel,
                    item("menuSetup", m.get("setup.button"), null, () -> openSetup(null))));
        }
        bar.setId("menuBar");
        return bar;
    }

    private ToolBar toolBar() {
        CanvasViewModel cv = vm.canvas();
        Button undo = button("undoButton", "mdi2u-undo", m.get("menu.undo") + " (Ctrl+Z)", vm::undo);
        undo.disableProperty().bind(vm.canUndoProperty().not());
        Button redo = button("redoButton", "mdi2r-redo", m.get("menu.redo") + " (Ctrl+Shift+Z)", vm::redo);
        redo.disableProperty().bind(vm.canRedoProperty().not());
        ToolBar bar = new ToolBar(
                button("openButton", "mdi2f-folder-open-outline", m.get("menu.open"), () -> files.open()),
                button("saveButton", "mdi2c-content-save-outline", m.get("menu.save"), () -> files.save()),
                button("exportButton", "mdi2e-export", m.get("menu.export"), () -> files.export()),
                new Separator(), undo, redo, new Separator(),
                button("zoomInButton", "mdi2m-magnify-plus-outline", m.get("view.zoomIn"), cv::zoomIn),
                button("zoomOutButton", "mdi2m-magnify-minus-outline", m.get("view.zoomOut"), cv::zoomOut),
                button("fitButton", "mdi2f-fit-to-screen-outline", m.get("view.fit"), cv::fit),
                button("actualSizeButton", "mdi2n-numeric-1-box-outline", m.get("view.actual"), cv::actualSize),
                new Separator(),
                button("themeButton", "mdi2t-theme-light-dark", m.get("menu.theme"),
                        () -> vm.themeProperty().set(vm.themeProperty().get() == Theme.DARK ? Theme.LIGHT : Theme.DARK)));
        bar.setId("toolBar");
        return bar;
    }

    /** Ctrl+Enter generates from anywhere (also while typing the prompt); a missing model opens the set-up. */
    private void installGeneration() {
        scene.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER && e.isShortcutDown()) {
                gen.generate();
                e.consume();
            } else if (e.getCode() == KeyCode.ESCAPE && gen.runningProperty().get()) {
                gen.cancel();
                e.consume();
            }
        });
        // Compare on the canvas: the selected result over the photo up to the slider (Original hides it).
        java.util.Map<Object, javafx.scene.image.Image> fxResults = new java.util.WeakHashMap<>();
        Runnable compare = () -> {
            int i = gen.selectedProperty().get();
            boolean on = gen.compareOnCanvasProperty().get() && !gen.showOriginalProperty().get()
                    && i >= 0 && i < gen.results().size();
            if (!on) {
                canvasView.setCompare(null, 1);
                return;
            }
            var img = gen.results().get(i).image();
            canvasView.setCompare(fxResults.computeIfAbsent(img, k -> FxImages.of(img)), gen.compareSplitProperty().get());
        };
        gen.compareOnCanvasProperty().addListener(o -> compare.run());
        gen.showOriginalProperty().addListener(o -> compare.run());
        gen.compareSplitProperty().addListener(o -> compare.run());
        gen.selectedProperty().addListener(o -> compare.run());
        gen.results().addListener((javafx.collections.ListChangeListener<Object>) c -> compare.run());
        gen.setupRequestedProperty().addListener((o, a, v) -> {
            if (!v) return;
            gen.setupRequestedProperty().set(false);
            var scan = gen.setup().scanProperty().get();
            String text = scan == null ? m.get("gen.noModelDialog") : m.get("gen.modelIncomplete", String.join("\n", GenerationViewModel.whatIsWrong(scan)));
            ButtonType setUp = new ButtonType(m.get("setup.button"), javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
            Alert ask = new Alert(Alert.AlertType.WARNING, text, setUp, ButtonType.CANCEL);
            ask.setHeaderText(m.get("gen.noModelTitle"));
            ask.getDialogPane().setId("noModelDialog");
            if (scene.getWindow() != null) ask.initOwner(scene.getWindow());
            ask.resultProperty().addListener((oo, aa, b) -> {
                if (b == setUp) openSetup(m.get("gen.noModelTitle"));
            });
            ask.show();
        });
    }

    /** Opens the model set-up dialog (non-blocking). */
    public ModelSetupDialog openSetup(String reason) {
        if (gen == null) return null;
        ModelSetupDialog d = new ModelSetupDialog(scene.getWindow(), gen.setup(), m, List.copyOf(gen.prompt().presets()), reason);
        d.show();
        return d;
    }

    /** Single-key tools work wherever focus is, except while typing in a text field. */
    private void installKeys() {
        MaskToolViewModel tool = vm.maskTool();
        scene.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.isShortcutDown() || e.isAltDown() || scene.getFocusOwner() instanceof javafx.scene.control.TextInputControl) return;
            boolean handled = true;
            switch (e.getCode()) {
                case SPACE -> canvasView.setSpaceDown(true);
                case B -> tool.selectBrush();
                case E -> tool.selectEraser();
                case X -> tool.swapTool();
                case OPEN_BRACKET -> tool.smallerBrush();
                case CLOSE_BRACKET -> tool.biggerBrush();
                default -> handled = false;
            }
            if (handled) e.consume();
        });
        scene.addEventFilter(KeyEvent.KEY_RELEASED, e -> {
            if (e.getCode() == KeyCode.SPACE) {
                canvasView.setSpaceDown(false);
                e.consume();
            }
        });
    }

    private static MenuItem item(String id, String text, String accel, Runnable action) {
        MenuItem i = new MenuItem(text);
        i.setId(id);
        if (accel != null) i.setAccelerator(KeyCombination.keyCombination(accel));
        i.setOnAction(e -> action.run());
        return i;
    }

    private static Button button(String id, String icon, String tip, Runnable action) {
        Button b = new Button(null, Icons.icon(icon));
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }
}
