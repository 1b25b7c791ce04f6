package dev.atelier.app.document;

import dev.atelier.app.mask.Mask;
import dev.atelier.app.mask.MaskEdit;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The photo being edited, its inpaint mask, reference images and generated results. Every change goes through
 * this class and is recorded on the undo stack. Images are treated as immutable: a change replaces the image.
 */
public final class Document {
    public static final int DEFAULT_UNDO_ENTRIES = 200;
    public static final long DEFAULT_UNDO_BYTES = 512L << 20;

    private BufferedImage photo;
    private String photoName;
    private Mask mask;
    private final List<ReferenceImage> references = new ArrayList<>();
    private final List<ResultImage> results = new ArrayList<>();
    private GenerationParameters parameters;
    private Path projectFile;
    private final UndoStack undo;
    private final List<DocumentListener> listeners = new CopyOnWriteArrayList<>();
    private long version;
    private long outsideHistory;

    public Document(BufferedImage photo, String photoName) {
        this(photo, photoName, new UndoStack(DEFAULT_UNDO_ENTRIES, DEFAULT_UNDO_BYTES));
    }

    public Document(BufferedImage photo, String photoName, UndoStack undo) {
        this.photo = photo;
        this.photoName = photoName;
        this.mask = new Mask(photo.getWidth(), photo.getHeight());
        this.undo = undo;
    }

    public void addListener(DocumentListener l) {
        listeners.add(l);
    }

    public void removeListener(DocumentListener l) {
        listeners.remove(l);
    }

    public BufferedImage photo() {
        return photo;
    }

    public String photoName() {
        return photoName;
    }

    public int width() {
        return photo.getWidth();
    }

    public int height() {
        return photo.getHeight();
    }

    public Mask mask() {
        return mask;
    }

    public List<ReferenceImage> references() {
        return List.copyOf(references);
    }

    public List<ResultImage> results() {
        return List.copyOf(results);
    }

    public GenerationParameters parameters() {
        return parameters;
    }

    public Path projectFile() {
        return projectFile;
    }

    public void setProjectFile(Path projectFile) {
        this.projectFile = projectFile;
    }

    public UndoStack undoStack() {
        return undo;
    }

    /** Increases on every change, undo and redo; autosave compares it with the version last written. */
    public long version() {
        return version;
    }

    /**
     * The point a save captures: the undo history's state plus changes outside it (parameters). The document is
     * unmodified while its save point equals the one recorded at the last save.
     */
    public String savePoint() {
        return undo.state() + ":" + outsideHistory;
    }

    // ---- mask -------------------------------------------------------------------------------------------------

    /** Records a mask change that has already been applied to the mask (a finished brush stroke). */
    public void recordMaskEdit(MaskEdit edit) {
        if (edit == null) return;
        touched();
        undo.push(new MaskUndo(edit));
    }

    /** Tells listeners that part of the mask changed during a stroke (not yet an undo step). */
    public void maskPainted(Rect region) {
        if (region.isEmpty()) return;
        for (DocumentListener l : listeners) l.maskChanged(region);
    }

    /** Applies a whole-mask operation as one undo step. */
    public void applyMaskOp(String label, Consumer<Mask> op) {
        byte[] before = mask.data().clone();
        op.accept(mask);
        Rect all = mask.bounds();
        touched();
        undo.push(new MaskUndo(new MaskEdit(label, all, before, mask.data().clone())));
        fireMask(all);
    }

    private final class MaskUndo implements Edit {
        private final MaskEdit edit;

        MaskUndo(MaskEdit edit) {
            this.edit = edit;
        }

        @Override public String label() { return edit.label(); }

        @Override public void undo() {
            edit.applyBefore(mask);
            touched();
            fireMask(edit.region());
        }

        @Override public void redo() {
            edit.applyAfter(mask);
            touched();
            fireMask(edit.region());
        }

        @Override public long bytes() { return edit.bytes(); }
    }

    // ---- photo ------------------------------------------------------------------------------------------------

    /** Replaces the photo (undoable). A photo of another size starts a fresh mask; undo brings the old one back. */
    public void replacePhoto(String label, BufferedImage newPhoto, String newName) {
        BufferedImage oldPhoto = photo;
        String oldName = photoName;
        Mask oldMask = mask;
        Mask newMask = newPhoto.getWidth() == oldPhoto.getWidth() && newPhoto.getHeight() == oldPhoto.getHeight()
                ? mask : new Mask(newPhoto.getWidth(), newPhoto.getHeight());
        Edit e = new Edit() {
            @Override public String label() { return label; }
            @Override public void undo() { setPhoto(oldPhoto, oldName, oldMask); }
            @Override public void redo() { setPhoto(newPhoto, newName, newMask); }
            @Override public long bytes() { return 4L * newPhoto.getWidth() * newPhoto.getHeight(); }
        };
        e.redo();
        undo.push(e);
    }

    private void setPhoto(BufferedImage p, String name, Mask m) {
        photo = p;
        photoName = name;
        mask = m;
        touched();
        for (DocumentListener l : listeners) l.photoChanged();
    }

    // ---- references and results ----------------------------------------------------------------------------------

    public void addReference(ReferenceImage ref) {
        int index = references.size();
        listEdit("Add reference", () -> references.add(index, ref), () -> references.remove(index), estimate(ref.image()));
    }

    public void removeReference(int index) {
        ReferenceImage ref = references.get(index);
        listEdit("Remove reference", () -> references.remove(index), () -> references.add(index, ref), 64);
    }

    public void addResult(ResultImage result) {
        int index = results.size();
        listEdit("Add result", () -> results.add(index, result), () -> results.remove(index), 64);
    }

    public void removeResult(int index) {
        ResultImage r = results.get(index);
        listEdit("Discard result", () -> results.remove(index), () -> results.add(index, r), 64);
    }

    /** Makes a result the new photo and marks it accepted, as one undo step. */
    public void acceptResult(int index) {
        ResultImage r = results.get(index);
        BufferedImage oldPhoto = photo;
        Mask oldMask = mask;
        String name = photoName;
        Mask newMask = r.image().getWidth() == width() && r.image().getHeight() == height()
                ? mask : new Mask(r.image().getWidth(), r.image().getHeight());
        Edit e = new Edit() {
            @Override public String label() { return "Accept result"; }
            @Override public void undo() { results.set(index, r); setPhoto(oldPhoto, name, oldMask); fireItems(); }
            @Override public void redo() { results.set(index, r.withAccepted(true)); setPhoto(r.image(), name, newMask); fireItems(); }
            @Override public long bytes() { return 64; } // both images stay referenced by the document anyway
        };
        e.redo();
        undo.push(e);
    }

    public void setParameters(GenerationParameters p) {
        parameters = p;
        outsideHistory++;
        touched();
        fireItems();
    }

    private void listEdit(String label, Runnable apply, Runnable revert, long bytes) {
        Edit e = new Edit() {
            @Override public String label() { return label; }
            @Override public void undo() { revert.run(); touched(); fireItems(); }
            @Override public void redo() { apply.run(); touched(); fireItems(); }
            @Override public long bytes() { return bytes; }
        };
        e.redo();
        undo.push(e);
    }

    /** Restores saved state without undo history (project loading). */
    public void restore(Mask savedMask, List<ReferenceImage> refs, List<ResultImage> res, GenerationParameters params) {
        if (savedMask.width() != width() || savedMask.height() != height()) {
            throw new IllegalArgumentException("mask is " + savedMask.width() + "x" + savedMask.height()
                    + " but the photo is " + width() + "x" + height());
        }
        mask = savedMask;
        references.clear();
        references.addAll(refs);
        results.clear();
        results.addAll(res);
        parameters = params;
    }

    private static long estimate(BufferedImage img) {
        return 4L * img.getWidth() * img.getHeight();
    }

    private void touched() {
        version++;
    }

    private void fireMask(Rect r) {
        for (DocumentListener l : listeners) l.maskChanged(r);
    }

    private void fireItems() {
        for (DocumentListener l : listeners) l.itemsChanged();
    }
}
