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
    private record Entry(Edit edit, long state, long previous) {}

    private final Deque<Entry> undo = new ArrayDeque<>();
    private final Deque<Entry> redo = new ArrayDeque<>();
    private long bytes;
    private long counter;
    private long state;
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
        for (Entry r : redo) bytes -= r.edit().bytes();
        redo.clear();
        long next = ++counter;
        undo.push(new Entry(e, next, state));
        state = next;
        bytes += e.bytes();
        while (undo.size() > 1 && (undo.size() > maxEntries || bytes > maxBytes)) {
            bytes -= undo.removeLast().edit().bytes();
        }
        onChange.run();
    }

    /**
     * Identifies the content reached through the history: equal values mean the same edits are applied (undoing
     * back to a saved point makes the document unmodified again).
     */
    public long state() {
        return state;
    }

    public boolean canUndo() {
        return !undo.isEmpty();
    }

    public boolean canRedo() {
        return !redo.isEmpty();
    }

    public String undoLabel() {
        return undo.isEmpty() ? "" : undo.peek().edit().label();
    }

    public String redoLabel() {
        return redo.isEmpty() ? "" : redo.peek().edit().label();
    }

    public boolean undo() {
        if (undo.isEmpty()) return false;
        Entry e = undo.pop();
        e.edit().undo();
        state = e.previous();
        redo.push(e);
        onChange.run();
        return true;
    }

    public boolean redo() {
        if (redo.isEmpty()) return false;
        Entry e = redo.pop();
        e.edit().redo();
        state = e.state();
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
