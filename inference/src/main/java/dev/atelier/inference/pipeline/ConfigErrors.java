package dev.atelier.inference.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.nio.file.Path;

/** A config.json read error in one line for the user: the file, the reader's first line, the JSON line or field. */
final class ConfigErrors {
    private ConfigErrors() {}

    /**
     * {@code e}'s first line, prefixed with {@code config} unless it already names it, with the JSON line/column or
     * field Jackson puts on its later lines.
     */
    static String describe(Path config, RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        m = m.contains(config.toString()) ? m : config + ": " + m;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof JsonMappingException j && !j.getPath().isEmpty()
                    && j.getPath().getLast().getFieldName() != null) {
                return m + " (field " + j.getPath().getLast().getFieldName() + ")";
            }
            if (c instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
                return m + " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
            }
        }
        return m;
    }
}
