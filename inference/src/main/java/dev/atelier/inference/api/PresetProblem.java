package dev.atelier.inference.api;

/**
 * Something wrong in a preset file: which file, which field ("" for the whole file) and what was done about it.
 */
public record PresetProblem(String file, String field, String message) {
    @Override
    public String toString() {
        return file + (field.isEmpty() ? "" : ": " + field) + ": " + message;
    }
}
