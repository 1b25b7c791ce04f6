package dev.atelier.app.viewmodel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.Messages;
import dev.atelier.app.io.AtomicFiles;
import dev.atelier.app.io.AtomicFilesTest;
import dev.atelier.app.io.ImageLoader;
import dev.atelier.app.io.ProjectStore;
import dev.atelier.app.io.RecoveryStore;
import dev.atelier.inference.api.Telemetry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The view-model without any window: files, autosave and recovery, messages. */
class StudioViewModelTest {
    @TempDir Path tmp;

    @AfterEach
    void reset() {
        AtomicFiles.setStreamWrapperForTests(null);
    }

    private StudioViewModel newVm(Locale locale) {
        return new StudioViewModel(new Messages(locale), TaskRunner.direct(), new ImageLoader(), new ProjectStore(),
                new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
    }

    private Path photo() throws IOException {
        Path p = tmp.resolve("photo.png");
        ImageIO.write(new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB), "png", p.toFile());
        return p;
    }

    private static void paint(StudioViewModel vm) {
        vm.maskTool().beginStroke(20, 20, 1);
        vm.maskTool().strokeTo(150, 60, 1);
        vm.maskTool().endStroke();
    }

    @Test
    void autosaveIsRestoredAtTheNextStart() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        paint(vm);
        vm.autosaveIfChanged();
        byte[] mask = vm.document().mask().data().clone();
        // The process dies here (no closeCleanly). A new start finds the autosave:
        StudioViewModel next = newVm(Locale.ENGLISH);
        assertTrue(next.restoreAutosave());
        assertArrayEquals(mask, next.document().mask().data());
        assertTrue(next.statusProperty().get().contains("autosave"), next.statusProperty().get());
        assertTrue(next.isModified(), "restored work is unsaved until the user saves it");
        next.closeCleanly(false);
        assertFalse(newVm(Locale.ENGLISH).restoreAutosave(), "a clean close removes the autosave");
    }

    @Test
    void nothingUnsavedMeansNoAutosave() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        vm.autosaveIfChanged();
        Path auto = tmp.resolve("recovery").resolve(RecoveryStore.FILE_NAME);
        assertFalse(Files.exists(auto), "an untouched image needs no autosave");
        paint(vm);
        vm.autosaveIfChanged();
        assertTrue(Files.exists(auto));
        vm.undo();
        vm.autosaveIfChanged();
        assertFalse(Files.exists(auto), "undone back to the opened state: the stale autosave is removed");
    }

    @Test
    void saveMarksCleanAndUndoMarksModified() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        assertFalse(vm.save(), "an image without a project asks for a file name");
        paint(vm);
        assertTrue(vm.titleProperty().get().startsWith("•"));
        vm.saveAs(tmp.resolve("work"));
        assertTrue(Files.isRegularFile(tmp.resolve("work.atelier")));
        assertFalse(vm.isModified());
        assertEquals("work.atelier — Atelier", vm.titleProperty().get());
        vm.undo();
        assertTrue(vm.isModified());
        StudioViewModel other = newVm(Locale.ENGLISH);
        other.open(tmp.resolve("work.atelier"));
        assertFalse(other.document().mask().isEmpty());
        assertEquals(tmp.resolve("work.atelier"), other.document().projectFile());
    }

    @Test
    void fullDiskDuringExportShowsTheMessageAndKeepsTheOldFile() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        Path out = tmp.resolve("final.png");
        vm.export(out);
        byte[] before = Files.readAllBytes(out);
        paint(vm);
        vm.maskTool().invert();
        AtomicFiles.setStreamWrapperForTests(s -> new AtomicFilesTest.FullDisk(s, 50));
        String[] shown = new String[1];
        vm.errorProperty().addListener((o, a, m) -> { if (m != null) shown[0] = m; });
        vm.export(out);
        assertNotNull(shown[0]);
        assertTrue(shown[0].contains("final.png") && shown[0].contains("unchanged"), shown[0]);
        assertArrayEquals(before, Files.readAllBytes(out));
        assertFalse(vm.busyProperty().get());
    }

    @Test
    void maskExportAndImportRoundTrip() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        paint(vm);
        byte[] painted = vm.document().mask().data().clone();
        Path m = tmp.resolve("mask.png");
        vm.exportMask(m);
        vm.maskTool().clear();
        vm.importMask(m);
        assertArrayEquals(painted, vm.document().mask().data());
        assertEquals("Load mask", vm.undoLabelProperty().get());
        vm.undo();
        assertTrue(vm.document().mask().isEmpty());
        Path small = tmp.resolve("small.png");
        ImageIO.write(new BufferedImage(10, 10, BufferedImage.TYPE_BYTE_GRAY), "png", small.toFile());
        vm.importMask(small);
        assertTrue(vm.statusProperty().get().contains("small.png") && vm.statusProperty().get().contains("200x100"),
                vm.statusProperty().get());
    }

    /** A cut-short JPEG opened as a photo, a mask or a reference is refused by name; the open document is untouched. */
    @Test
    void truncatedJpegIsRefusedAndTheOpenDocumentKept() throws IOException {
        StudioViewModel vm = newVm(Locale.ENGLISH);
        vm.open(photo());
        paint(vm);
        var doc = vm.document();
        byte[] mask = doc.mask().data().clone();
        int[] pixels = doc.photo().getRGB(0, 0, 200, 100, null, 0, 200);
        String undo = vm.undoLabelProperty().get();
        BufferedImage noise = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(3);
        for (int y = 0; y < 100; y++) for (int x = 0; x < 200; x++) noise.setRGB(x, y, r.nextInt());
        Path full = tmp.resolve("full.jpg");
        ImageIO.write(noise, "jpeg", full.toFile());
        byte[] b = Files.readAllBytes(full);
        Path cut = Files.write(tmp.resolve("cut.jpg"), java.util.Arrays.copyOf(b, b.length / 2));
        java.util.List<String> shown = new java.util.ArrayList<>();
        vm.errorProperty().addListener((o, a, m) -> { if (m != null) shown.add(m); });
        GenerationViewModel gen = new GenerationViewModel(vm, new ModelSetupViewModel(vm.messages(), TaskRunner.direct(),
                Telemetry.cpuOnly(), s -> { }), () -> { throw new AssertionError("no engine"); }, Runnable::run,
                TaskRunner.direct());

        vm.open(cut);
        vm.errorProperty().set(null); // as the view does once the dialog is shown
        vm.importMask(cut);
        vm.errorProperty().set(null);
        gen.addReference(cut);

        assertEquals(3, shown.size(), shown.toString());
        for (String m : shown) {
            assertTrue(m.startsWith("cut.jpg is cut short (") && m.contains("use a complete copy"), m);
        }
        assertSame(doc, vm.document());
        assertArrayEquals(mask, doc.mask().data());
        assertArrayEquals(pixels, doc.photo().getRGB(0, 0, 200, 100, null, 0, 200));
        assertTrue(doc.references().isEmpty());
        assertEquals(undo, vm.undoLabelProperty().get());
        assertFalse(vm.busyProperty().get());
    }

    @Test
    void chineseMessages() throws IOException {
        StudioViewModel vm = newVm(Locale.SIMPLIFIED_CHINESE);
        vm.open(photo());
        assertEquals("已打开 photo.png。", vm.statusProperty().get());
        paint(vm);
        assertEquals("绘制蒙版", vm.undoLabelProperty().get());
        assertNull(vm.errorProperty().get());
    }

    @Test
    void chineseFileErrors() throws IOException {
        // A damaged project: the error dialog shows the studio's message in Chinese (the JDK's detail stays as it is).
        StudioViewModel en = newVm(Locale.ENGLISH);
        en.open(photo());
        Path project = tmp.resolve("work.atelier");
        new ProjectStore().save(dev.atelier.app.io.ProjectSnapshot.of(en.document()), project);
        byte[] b = Files.readAllBytes(project);
        Files.write(project, java.util.Arrays.copyOf(b, b.length / 2));
        StudioViewModel vm = newVm(Locale.SIMPLIFIED_CHINESE);
        vm.open(project);
        String shown = vm.errorProperty().get();
        assertTrue(shown.startsWith("work.atelier 已损坏，无法作为 Atelier 项目打开（")
                && shown.endsWith("）。请尝试它的自动保存或较早的副本。"), shown);
        vm.errorProperty().set(null);

        // A file that is not an image.
        Path notes = tmp.resolve("notes.txt");
        Files.writeString(notes, "hello");
        vm.open(notes);
        assertEquals("notes.txt 不是 Atelier 能打开的图像。请使用 PNG、JPEG、WebP、TIFF 或 BMP。", vm.errorProperty().get());
        assertEquals(vm.errorProperty().get(), vm.statusProperty().get());

        // The same failure in English is today's text.
        en.open(notes);
        assertEquals("notes.txt is not an image Atelier can open. Use PNG, JPEG, WebP, TIFF or BMP.", en.errorProperty().get());
    }

    @Test
    void chineseImageNotes() throws IOException {
        BufferedImage g16 = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        Path deep = tmp.resolve("deep.png");
        ImageIO.write(g16, "png", deep.toFile());

        // The note after opening is shown in the studio's language: in the dialog and the status bar.
        StudioViewModel vm = newVm(Locale.SIMPLIFIED_CHINESE);
        vm.open(deep);
        assertEquals(java.util.List.of("deep.png 为每通道 16 位；Atelier 以每通道 8 位编辑，因此已进行转换。"), vm.notes());
        assertEquals(vm.notes().getFirst(), vm.statusProperty().get());
        assertNull(vm.errorProperty().get());

        // The same image in English is today's text.
        StudioViewModel en = newVm(Locale.ENGLISH);
        en.open(deep);
        assertEquals(java.util.List.of("deep.png has 16 bits per channel; Atelier edits 8 bits per channel, so it was converted."),
                en.notes());
    }

    @Test
    void referencesAreDecodedByTheStudiosLoader() throws IOException {
        // A loader with a small pixel limit: a reference over it is opened reduced, as the studio's photos are.
        StudioViewModel vm = new StudioViewModel(new Messages(Locale.ENGLISH), TaskRunner.direct(), new ImageLoader(20_000),
                new ProjectStore(), new RecoveryStore(tmp.resolve("recovery"), new ProjectStore()));
        vm.open(photo());
        Path big = tmp.resolve("big.png");
        ImageIO.write(new BufferedImage(400, 200, BufferedImage.TYPE_INT_RGB), "png", big.toFile());
        GenerationViewModel gen = new GenerationViewModel(vm, new ModelSetupViewModel(vm.messages(), TaskRunner.direct(),
                Telemetry.cpuOnly(), s -> { }), () -> { throw new AssertionError("no engine"); }, Runnable::run,
                TaskRunner.direct());
        gen.addReference(big);
        assertNull(vm.errorProperty().get());
        assertEquals(1, vm.document().references().size());
        BufferedImage ref = vm.document().references().getFirst().image();
        assertEquals(200, ref.getWidth(), "opened at 1/2 size by the studio's loader");
        assertEquals(100, ref.getHeight());
    }
}
