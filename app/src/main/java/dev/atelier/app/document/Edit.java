package dev.atelier.app.document;

/** One undoable change to a document. */
public interface Edit {
    String label();

    void undo();

    void redo();

    /** Approximate memory the edit keeps alive, for the undo stack's budget. */
    long bytes();
}
