package dev.atelier.inference.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opening a weight file: the whole file mapped read-only in a shared arena that the parsed file then owns. */
final class MappedFiles {
    private MappedFiles() {}

    /** Parses the mapped bytes of one file; the result owns {@code arena} (closes it in its own {@code close}). */
    interface Parser<T> {
        T parse(MemorySegment seg, Arena arena);
    }

    /**
     * Maps {@code path} and hands it to {@code parser}; the arena is closed when parsing fails. Throws
     * {@link WeightFormatException} naming the file when it is missing or unreadable.
     */
    static <T> T open(Path path, Parser<T> parser) {
        if (!Files.isRegularFile(path)) {
            throw new WeightFormatException(path, "not a file (does it exist?)");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parser.parse(seg, arena);
        } catch (IOException e) {
            arena.close();
            throw new WeightFormatException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
