package dev.atelier.app.document;

/** Told about changes to a {@link Document}, on the thread that made them (the FX thread in the studio). */
public interface DocumentListener {
    default void maskChanged(Rect region) {}

    default void photoChanged() {}

    /** References, results or parameters changed. */
    default void itemsChanged() {}
}
