package dev.atelier.app.io;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The studio's settings ({@code settings.json} in the Atelier home folder). A missing or unreadable file gives the
 * defaults; writes are atomic. Part 2 adds fields here (model folders, VRAM budget, device); unknown fields are
 * ignored so older and newer versions share the file.
 */
public final class SettingsStore {
    /** Stored settings; null fields mean "the default". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Settings(String theme, String language, String modelFolder, Double vramBudgetGiB, String device) {
        public Settings(String theme, String language) {
            this(theme, language, null, null, null);
        }

        public static Settings defaults() {
            return new Settings(null, null);
        }

        public Settings withTheme(String t) {
            return new Settings(t, language, modelFolder, vramBudgetGiB, device);
        }

        public Settings withLanguage(String l) {
            return new Settings(theme, l, modelFolder, vramBudgetGiB, device);
        }

        /** @param budgetGiB 0 or null: automatic (free memory minus a margin); device "auto" or "cpu" */
        public Settings withModel(String folder, Double budgetGiB, String dev) {
            return new Settings(theme, language, folder, budgetGiB, dev);
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final Path file;

    public SettingsStore(Path home) {
        this.file = home.resolve("settings.json");
    }

    public Path file() {
        return file;
    }

    public Settings load() {
        if (!Files.isRegularFile(file)) return Settings.defaults();
        try {
            return JSON.readValue(file.toFile(), Settings.class);
        } catch (IOException e) {
            System.err.println("Atelier: " + file + " could not be read (" + e.getMessage() + "); using the default settings.");
            return Settings.defaults();
        }
    }

    public void save(Settings s) throws UserFacingException {
        AtomicFiles.write(file, out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(s)));
    }
}
