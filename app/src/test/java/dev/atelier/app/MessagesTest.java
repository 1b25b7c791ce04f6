package dev.atelier.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Locale;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MessagesTest {
    private static TreeSet<String> keys(String resource) throws java.io.IOException {
        var p = new java.util.Properties();
        try (var in = MessagesTest.class.getResourceAsStream(resource);
             var r = new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return new TreeSet<>(p.stringPropertyNames());
    }

    @Test
    void bothBundlesHaveTheSameKeys() throws java.io.IOException {
        assertEquals(keys("/ui/i18n/messages.properties"), keys("/ui/i18n/messages_zh_CN.properties"),
                "every English text has a Chinese one and the other way round");
        var en = new Messages(Locale.ENGLISH).bundle();
        var zh = new Messages(Locale.SIMPLIFIED_CHINESE).bundle();
        assertNotEquals(en.getString("menu.file"), zh.getString("menu.file"), "the Chinese bundle is picked for zh_CN");
        assertEquals("已打开 a.png。", new Messages(Locale.SIMPLIFIED_CHINESE).get("status.opened", "a.png"));
    }
}
