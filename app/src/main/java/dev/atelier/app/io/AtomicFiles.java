package dev.atelier.app.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

/**
 * Writes a file so that it is never half-written: the bytes go to a temporary file in the same folder, which is
 * flushed to disk (fsync) and then renamed over the target in one step. On any failure the temporary file is
 * deleted and the old target is left exactly as it was.
 */
public final class AtomicFiles {
    /** Writes bytes to a stream; may throw. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Test hook: wraps the stream to the temporary file (e.g. to simulate a full disk). */
    private static volatile UnaryOperator<OutputStream> streamWrapper = UnaryOperator.identity();

    private AtomicFiles() {}

    public static void setStreamWrapperForTests(UnaryOperator<OutputStream> wrapper) {
        streamWrapper = wrapper == null ? UnaryOperator.identity() : wrapper;
    }

    public static void write(Path target, StreamWriter writer) throws UserFacingException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
            keepPermissions(abs, tmp);
        } catch (AccessDeniedException | java.nio.file.ReadOnlyFileSystemException e) {
            throw readOnly(name, dir, e);
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().toLowerCase(java.util.Locale.ROOT).contains("read-only")) {
                throw readOnly(name, dir, e);
            }
            throw UserFacingException.of(e, "error.write.cannotCreate", name, dir, describe(e));
        } catch (IOException e) {
            throw UserFacingException.of(e, "error.write.cannotCreate", name, dir, describe(e));
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream raw = Channels.newOutputStream(ch);
                 OutputStream out = streamWrapper.apply(new NonClosing(raw))) {
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw UserFacingException.of(e, Files.exists(abs) ? "error.write.failedOldKept" : "error.write.failed",
                    name, dir, describe(e));
        }
    }

    private static UserFacingException readOnly(String name, Path dir, Exception e) {
        return UserFacingException.of(e, "error.write.readOnly", name, dir);
    }

    /** Temporary files are created owner-only; the result gets the old file's permissions, or rw-r--r--. */
    private static void keepPermissions(Path target, Path tmp) {
        try {
            var perms = Files.exists(target) ? Files.getPosixFilePermissions(target)
                    : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not a POSIX file system (Windows): the folder's defaults apply.
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Some platforms cannot open a directory for fsync; the rename itself is still atomic.
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof AccessDeniedException) return "permission denied";
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Lets the channel be forced after the writer's streams are closed. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
