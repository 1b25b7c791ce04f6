package dev.atelier.app.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsStoreTest {
    @TempDir Path home;

    @Test
    void roundTripAndDefaults() throws IOException {
        SettingsStore s = new SettingsStore(home);
        assertEquals(SettingsStore.Settings.defaults(), s.load());
        s.save(s.load().withTheme("light").withLanguage("zh-CN"));
        assertEquals(new SettingsStore.Settings("light", "zh-CN"), new SettingsStore(home).load());
        s.save(s.load().withModel("/models/comfy", 12.0, "cpu"));
        SettingsStore.Settings back = new SettingsStore(home).load();
        assertEquals("/models/comfy", back.modelFolder());
        assertEquals(12.0, back.vramBudgetGiB());
        assertEquals("cpu", back.device());
        assertEquals("light", back.theme(), "the model settings keep the others");
        Files.writeString(s.file(), "{ not json");
        assertEquals(SettingsStore.Settings.defaults(), s.load(), "a damaged file falls back to the defaults");
        Files.writeString(s.file(), "{\"theme\":\"dark\",\"vramBudgetGb\":12}");
        assertEquals("dark", s.load().theme(), "fields from newer versions are ignored");
    }
}
