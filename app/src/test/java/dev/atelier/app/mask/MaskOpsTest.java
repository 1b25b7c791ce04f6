package dev.atelier.app.mask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atelier.app.document.Rect;
import org.junit.jupiter.api.Test;

class MaskOpsTest {
    @Test
    void invertClearFill() {
        Mask m = new Mask(4, 3);
        m.set(1, 1, 200);
        MaskOps.invert(m);
        assertEquals(55, m.get(1, 1));
        assertEquals(255, m.get(0, 0));
        MaskOps.clear(m);
        assertTrue(m.isEmpty());
        MaskOps.fill(m);
        for (byte b : m.data()) assertEquals(255, b & 0xff);
    }

    @Test
    void growMakesASquareAndShrinkUndoesIt() {
        Mask m = new Mask(21, 21);
        m.set(10, 10, 255);
        MaskOps.growShrink(m, 3);
        for (int y = 0; y < 21; y++) {
            for (int x = 0; x < 21; x++) {
                boolean inside = Math.abs(x - 10) <= 3 && Math.abs(y - 10) <= 3;
                assertEquals(inside ? 255 : 0, m.get(x, y), "pixel " + x + "," + y);
            }
        }
        MaskOps.growShrink(m, -3);
        assertEquals(255, m.get(10, 10));
        assertEquals(0, m.get(11, 10));
        assertEquals(0, m.get(10, 9));
    }

    @Test
    void growAndShrinkMatchABruteForceFilter() {
        java.util.Random rnd = new java.util.Random(3);
        for (int trial = 0; trial < 12; trial++) {
            int w = 1 + rnd.nextInt(23), h = 1 + rnd.nextInt(19), r = 1 + rnd.nextInt(6);
            boolean grow = rnd.nextBoolean();
            Mask m = new Mask(w, h);
            for (int i = 0; i < w * h; i++) m.data()[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 0);
            Mask src = m.copy();
            MaskOps.growShrink(m, grow ? r : -r);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int best = grow ? 0 : 255;
                    for (int dy = -r; dy <= r; dy++) {
                        for (int dx = -r; dx <= r; dx++) {
                            int v = src.get(Math.clamp(x + dx, 0, w - 1), Math.clamp(y + dy, 0, h - 1));
                            best = grow ? Math.max(best, v) : Math.min(best, v);
                        }
                    }
                    assertEquals(best, m.get(x, y), "trial " + trial + " " + w + "x" + h + " r=" + r + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void shrinkRemovesThinLinesAndEdgesClamp() {
        Mask m = new Mask(10, 10);
        for (int x = 0; x < 10; x++) m.set(x, 5, 255);
        MaskOps.growShrink(m, -1);
        assertTrue(m.isEmpty());
        MaskOps.fill(m);
        MaskOps.growShrink(m, -2); // edges are clamped, not treated as empty
        assertEquals(255, m.get(0, 0));
    }

    @Test
    void featherSoftensAnEdgeAndKeepsFlatAreasFlat() {
        Mask m = new Mask(64, 8);
        for (int y = 0; y < 8; y++) for (int x = 32; x < 64; x++) m.set(x, y, 255);
        MaskOps.feather(m, 8);
        int prev = -1;
        for (int x = 0; x < 64; x++) {
            int v = m.get(x, 4);
            assertTrue(v >= prev, "feathered edge must rise monotonically at x=" + x);
            prev = v;
        }
        assertEquals(0, m.get(0, 4));
        assertEquals(255, m.get(63, 4));
        int mid = m.get(32, 4);
        assertTrue(mid > 60 && mid < 200, "the edge pixel should be about half: " + mid);
        assertTrue(m.get(28, 4) > 0 && m.get(36, 4) < 255, "the transition must be wider than one pixel");
    }

    @Test
    void fastDragLeavesNoGaps() {
        Mask m = new Mask(400, 50);
        BrushStroke s = new BrushStroke(m, new BrushSettings(6, 1, 1, false));
        s.lineTo(10, 25, 1);
        s.lineTo(390, 25, 1); // one event for 380 pixels of travel
        for (int x = 10; x <= 390; x++) assertEquals(255, m.get(x, 24), "gap at x=" + x);
        assertEquals(0, m.get(200, 10));
        MaskEdit e = s.finish("Paint");
        assertTrue(e.region().w() >= 380);
        e.applyBefore(m);
        assertTrue(m.isEmpty());
        e.applyAfter(m);
        assertEquals(255, m.get(200, 24));
    }

    @Test
    void opacityDoesNotBuildUpWithinAStrokeButDoesAcrossStrokes() {
        Mask m = new Mask(40, 40);
        BrushStroke s = new BrushStroke(m, new BrushSettings(10, 1, 0.5, false));
        for (int i = 0; i < 20; i++) s.lineTo(20 + (i % 2), 20, 1);
        assertEquals(128, m.get(20, 20), 1);
        s.finish("a");
        BrushStroke s2 = new BrushStroke(m, new BrushSettings(10, 1, 0.5, false));
        s2.lineTo(20, 20, 1);
        assertEquals(191, m.get(20, 20), 1);
    }

    @Test
    void eraserAndSoftEdgeAndPressure() {
        Mask m = new Mask(60, 60);
        MaskOps.fill(m);
        BrushStroke e = new BrushStroke(m, new BrushSettings(20, 0, 1, true));
        Rect r = e.lineTo(30, 30, 1);
        assertTrue(m.get(30, 30) < 10, "the soft brush's centre erases almost fully: " + m.get(30, 30));
        int edge = m.get(30 + 8, 30);
        assertTrue(edge > 0 && edge < 255, "soft brush leaves a partial edge: " + edge);
        assertTrue(r.w() <= 24 && r.h() <= 24);
        BrushStroke p = new BrushStroke(m, new BrushSettings(20, 1, 1, true));
        Rect small = p.lineTo(10, 50, 0.25); // quarter pressure: radius 2.5
        assertTrue(small.w() <= 9, "pressure scales the dab: " + small);
    }
}
