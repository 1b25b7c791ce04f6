package dev.atelier.app.document;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo/redo history bounded by entry count and by memory: when either limit is passed, the oldest edits are
 * forgotten. The newest edit is always kept even if it alone exceeds the memory budget.
 */
public final class UndoStack {
    private final int maxEntries;
    private final long maxBytes;
    private final Deque<Edit> undo = new ArrayDeque<>();
    private final Deque<Edit> redo = new ArrayDeque<>();
    private long bytes;
    private Runnable onChange = () -> {};

    public UndoStack(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) throw new IllegalArgumentException("undo limits must be positive");
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    public void setOnChange(Runnable onChange) {
        this.onChange = onChange == null ? () -> {} : onChange;
    }

    /** Records an edit that has already been applied. */
    public void push(Edit e) {
        for (Edit r : redo) bytes -= r.bytes();
        redo.clear();
        undo.push(e);
        bytes += e.bytes();
        while (undo.size() > 1 && (undo.size() > maxEntries || bytes > maxBytes)) {
            bytes -= undo.removeLast().bytes();
        }
        onChange.run();
    }

    public boolean canUndo() {
        return !undo.isEmpty();
    }

    public boolean canRedo() {
        return !redo.isEmpty();
    }

    public String undoLabel() {
        return undo.isEmpty() ? "" : undo.peek().label();
    }

    public String redoLabel() {
        return redo.isEmpty() ? "" : redo.peek().label();
    }

    public boolean undo() {
        if (undo.isEmpty()) return false;
        Edit e = undo.pop();
        e.undo();
        redo.push(e);
        onChange.run();
        return true;
    }

    public boolean redo() {
        if (redo.isEmpty()) return false;
        Edit e = redo.pop();
        e.redo();
        undo.push(e);
        onChange.run();
        return true;
    }

    public void clear() {
        undo.clear();
        redo.clear();
        bytes = 0;
        onChange.run();
    }

    public int undoCount() {
        return undo.size();
    }

    public int redoCount() {
        return redo.size();
    }

    public long bytes() {
        return bytes;
    }
}
