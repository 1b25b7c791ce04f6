package dev.atelier.app.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.mask.BrushSettings;
import dev.atelier.app.mask.BrushStroke;
import dev.atelier.app.mask.MaskOps;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UndoStackTest {
    record Counter(List<String> log, String name, long bytes) implements Edit {
        @Override public String label() { return name; }
        @Override public void undo() { log.add("undo " + name); }
        @Override public void redo() { log.add("redo " + name); }
    }

    @Test
    void boundedByEntryCount() {
        UndoStack u = new UndoStack(3, 1_000_000);
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 10; i++) u.push(new Counter(log, "e" + i, 10));
        assertEquals(3, u.undoCount());
        assertEquals(30, u.bytes());
        while (u.undo()) { }
        assertEquals(List.of("undo e9", "undo e8", "undo e7"), log);
    }

    @Test
    void boundedByMemoryButKeepsTheNewest() {
        UndoStack u = new UndoStack(100, 1000);
        List<String> log = new ArrayList<>();
        for (int i = 0; i < 5; i++) u.push(new Counter(log, "e" + i, 300));
        assertEquals(3, u.undoCount());
        assertTrue(u.bytes() <= 1000);
        u.push(new Counter(log, "huge", 5000));
        assertEquals(1, u.undoCount(), "an edit larger than the budget is still undoable");
        assertEquals("huge", u.undoLabel());
    }

    @Test
    void pushClearsRedo() {
        UndoStack u = new UndoStack(10, 1000);
        List<String> log = new ArrayList<>();
        u.push(new Counter(log, "a", 1));
        u.push(new Counter(log, "b", 1));
        u.undo();
        assertTrue(u.canRedo());
        u.push(new Counter(log, "c", 1));
        assertFalse(u.canRedo());
        assertEquals(2, u.bytes());
    }

    @Test
    void stateFollowsTheHistory() {
        UndoStack u = new UndoStack(10, 1000);
        List<String> log = new ArrayList<>();
        long s0 = u.state();
        u.push(new Counter(log, "a", 1));
        long s1 = u.state();
        u.push(new Counter(log, "b", 1));
        long s2 = u.state();
        u.undo();
        assertEquals(s1, u.state());
        u.redo();
        assertEquals(s2, u.state());
        u.undo();
        u.undo();
        assertEquals(s0, u.state());
        u.redo();
        u.push(new Counter(log, "c", 1));
        assertTrue(u.state() != s2 && u.state() != s1 && u.state() != s0, "a new branch is a new state");
    }

    @Test
    void documentUndoesStrokesOpsAndListChanges() {
        Document d = new Document(new BufferedImage(300, 200, BufferedImage.TYPE_INT_ARGB), "p.png");
        long v0 = d.version();
        BrushStroke s = new BrushStroke(d.mask(), new BrushSettings(20, 1, 1, false));
        s.lineTo(50, 50, 1);
        s.lineTo(150, 60, 1);
        d.recordMaskEdit(s.finish("Paint"));
        assertFalse(d.mask().isEmpty());
        d.applyMaskOp("Invert", MaskOps::invert);
        d.addResult(new ResultImage("r1", new BufferedImage(300, 200, BufferedImage.TYPE_INT_ARGB),
                GenerationParameters.empty(), Instant.now(), false));
        assertEquals(1, d.results().size());
        d.undoStack().undo();
        assertEquals(0, d.results().size());
        d.undoStack().undo();
        assertEquals(255, d.mask().get(50, 50));
        d.undoStack().undo();
        assertTrue(d.mask().isEmpty());
        assertTrue(d.version() > v0);
        d.undoStack().redo();
        d.undoStack().redo();
        assertEquals(0, d.mask().get(50, 50));
        assertEquals(255, d.mask().get(5, 5));
    }

    @Test
    void fullMaskEditsOnABigPhotoCostLittleUndoMemory() {
        Document d = new Document(new BufferedImage(6000, 4000, BufferedImage.TYPE_BYTE_GRAY), "big.png");
        for (int i = 0; i < 5; i++) d.applyMaskOp("Invert", MaskOps::invert);
        assertTrue(d.undoStack().bytes() < 2_000_000, "deflated undo of flat masks: " + d.undoStack().bytes());
    }

    @Test
    void acceptResultReplacesThePhotoUndoably() {
        BufferedImage original = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB);
        BufferedImage result = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB);
        Document d = new Document(original, "p.png");
        d.addResult(new ResultImage("r", result, GenerationParameters.empty(), Instant.now(), false));
        d.acceptResult(0);
        assertTrue(d.photo() == result);
        assertTrue(d.results().getFirst().accepted());
        d.undoStack().undo();
        assertTrue(d.photo() == original);
        assertFalse(d.results().getFirst().accepted());
    }
}
