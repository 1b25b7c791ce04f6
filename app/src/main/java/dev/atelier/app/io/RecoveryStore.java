package dev.atelier.app.io;

import dev.atelier.app.document.Document;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The autosave: the current document is written to {@code autosave.atelier} in the recovery folder (atomically)
 * whenever it changed; a clean close deletes it. If the studio was killed, the next start finds it and restores it.
 */
public final class RecoveryStore {
    public static final String FILE_NAME = "autosave" + ProjectStore.EXTENSION;

    private final Path dir;
    private final ProjectStore store;

    public RecoveryStore(Path dir, ProjectStore store) {
        this.dir = dir;
        this.store = store;
    }

    public Path file() {
        return dir.resolve(FILE_NAME);
    }

    public void autosave(ProjectSnapshot snapshot) throws UserFacingException {
        store.save(snapshot, file());
    }

    public Optional<Path> pending() {
        return Files.isRegularFile(file()) ? Optional.of(file()) : Optional.empty();
    }

    public Document restore() throws UserFacingException {
        Document d = store.load(file());
        if (file().equals(d.projectFile())) d.setProjectFile(null); // never saved by the user: stays untitled
        return d;
    }

    public void discard() {
        try {
            Files.deleteIfExists(file());
        } catch (IOException ignored) {
            // A stale autosave is offered again at the next start; nothing is lost.
        }
    }
}
