package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.document.Document;
import dev.atelier.app.document.ReferenceImage;
import dev.atelier.app.document.ResultImage;
import dev.atelier.app.mask.BrushSettings;
import dev.atelier.app.mask.BrushStroke;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectStoreTest {
    @TempDir Path dir;

    @AfterEach
    void reset() {
        AtomicFiles.setStreamWrapperForTests(null);
    }

    static Document sample() {
        Document d = new Document(ImageFormatsTest.noise(120, 80, false), "photo.jpg");
        BrushStroke s = new BrushStroke(d.mask(), new BrushSettings(15, 0.5, 1, false));
        s.lineTo(10, 10, 1);
        s.lineTo(100, 70, 1);
        d.recordMaskEdit(s.finish("Paint"));
        d.addReference(new ReferenceImage("style.png", ImageFormatsTest.noise(30, 20, true)));
        d.addResult(new ResultImage("r-1", ImageFormatsTest.noise(120, 80, false), ImageFormatsTest.PARAMS,
                Instant.parse("2026-11-25T10:00:00Z"), false));
        d.setParameters(ImageFormatsTest.PARAMS);
        return d;
    }

    @Test
    void roundTrip() throws IOException {
        Document d = sample();
        Path f = dir.resolve("work.atelier");
        ProjectStore store = new ProjectStore();
        store.save(ProjectSnapshot.of(d), f);
        Document back = store.load(f);
        assertArrayEquals(d.mask().data(), back.mask().data());
        assertArrayEquals(ImageFormatsTest.pixels(d.photo()), ImageFormatsTest.pixels(back.photo()));
        assertEquals("photo.jpg", back.photoName());
        assertEquals("style.png", back.references().getFirst().name());
        assertArrayEquals(ImageFormatsTest.pixels(d.references().getFirst().image()),
                ImageFormatsTest.pixels(back.references().getFirst().image()));
        assertEquals(ImageFormatsTest.PARAMS, back.results().getFirst().parameters());
        assertEquals(Instant.parse("2026-11-25T10:00:00Z"), back.results().getFirst().created());
        assertEquals(ImageFormatsTest.PARAMS, back.parameters());
        assertFalse(back.undoStack().canUndo(), "a loaded project starts a fresh history");
    }

    @Test
    void autosaveIsRestoredAfterACrashAndDiscardedAfterACleanClose() throws IOException {
        RecoveryStore r = new RecoveryStore(dir.resolve("recovery"), new ProjectStore());
        assertTrue(r.pending().isEmpty());
        Document d = sample();
        r.autosave(ProjectSnapshot.of(d));
        // "kill -9": nothing else happens; the next start looks for the autosave.
        RecoveryStore next = new RecoveryStore(dir.resolve("recovery"), new ProjectStore());
        assertTrue(next.pending().isPresent());
        Document back = next.restore();
        assertArrayEquals(d.mask().data(), back.mask().data());
        assertNull(back.projectFile(), "an untitled document stays untitled after recovery");
        next.discard();
        assertTrue(next.pending().isEmpty());
    }

    @Test
    void failedSaveKeepsThePreviousProject() throws IOException {
        Path f = dir.resolve("work.atelier");
        ProjectStore store = new ProjectStore();
        store.save(ProjectSnapshot.of(sample()), f);
        byte[] before = Files.readAllBytes(f);
        AtomicFiles.setStreamWrapperForTests(out -> new AtomicFilesTest.FullDisk(out, 100));
        assertThrows(UserFacingException.class, () -> store.save(ProjectSnapshot.of(sample()), f));
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    @Test
    void damagedProjectIsNamed() throws IOException {
        Path f = dir.resolve("work.atelier");
        new ProjectStore().save(ProjectSnapshot.of(sample()), f);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length / 2));
        UserFacingException e = assertThrows(UserFacingException.class, () -> new ProjectStore().load(f));
        assertTrue(e.getMessage().contains("work.atelier"), e.getMessage());
    }
}
