package dev.atelier.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.atelier.app.io.Note;
import dev.atelier.app.io.UserFacingException;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;
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

    /** Texts with {0}-style arguments are MessageFormat patterns: an apostrophe is written '' there. */
    private static final Pattern LONE_QUOTE = Pattern.compile("(?<!')'(?!')");

    @Test
    void everyPatternFormatsWithSampleArguments() {
        Object[] samples = {"photo.png", 2, 3, 4, 5, 6, 7, 8, 9, 10};
        for (Locale locale : new Locale[] {Locale.ROOT, Locale.SIMPLIFIED_CHINESE}) {
            Messages m = new Messages(locale);
            for (String key : m.bundle().keySet()) {
                String pattern = m.bundle().getString(key);
                if (!pattern.contains("{")) continue; // shown as written
                assertFalse(LONE_QUOTE.matcher(pattern).find(), locale + " " + key + ": write an apostrophe as ''");
                String text = new MessageFormat(pattern, locale).format(samples);
                assertFalse(text.contains("{") || text.contains("}"), locale + " " + key + " left a placeholder: " + text);
            }
        }
    }

    @Test
    void studioErrorsAreEnglishInTheirMessageAndLocalizedWhereShown() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.SIMPLIFIED_CHINESE); // the English text does not follow the JVM's locale
            var e = UserFacingException.of(new java.io.IOException("boom"), "error.write.failedOldKept", "a.png",
                    Path.of("out"), "No space left on device");
            assertEquals("Could not save a.png in out: No space left on device. The previous a.png is unchanged. "
                    + "Free some disk space or choose another folder, then try again.", e.getMessage());
            assertEquals("无法将 a.png 保存到 out：No space left on device。原有的 a.png 未被改动。请释放一些磁盘空间或选择其他文件夹，然后重试。",
                    e.message(new Messages(Locale.SIMPLIFIED_CHINESE)));
            var size = UserFacingException.of("error.mask.size", "m.png", 12000, 8000, 640, 480);
            assertEquals("m.png is 12000x8000 but the photo is 640x480. Use a mask of the photo's size.", size.getMessage());
            assertEquals("m.png 为 12000x8000，但照片为 640x480。请使用与照片尺寸相同的蒙版。",
                    size.message(new Messages(Locale.SIMPLIFIED_CHINESE)));
            var plain = new UserFacingException("cut.jpg is cut short (12 of 40 bytes); use a complete copy.");
            assertEquals(plain.getMessage(), plain.message(new Messages(Locale.SIMPLIFIED_CHINESE)), "engine texts stay as they are");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void imageNotesAreEnglishInTheirTextAndLocalizedWhereShown() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.SIMPLIFIED_CHINESE); // the English text does not follow the JVM's locale
            Messages zh = new Messages(Locale.SIMPLIFIED_CHINESE);
            var sub = Note.of("note.image.subsampled", "wide.webp", 20000, 15000, 300L, 50L, 3, 6667, 5000);
            assertEquals("wide.webp is 20000x15000 (300 MP), more than Atelier edits at full size (50 MP); it was opened at "
                    + "1/3 size (6667x5000). Crop or downscale it in another editor to work at full resolution.", sub.text());
            assertEquals("wide.webp 为 20000x15000（300 MP），超过 Atelier 以原尺寸编辑的上限（50 MP）；已按 1/3 尺寸打开"
                    + "（6667x5000）。如需以完整分辨率编辑，请先在其他编辑器中裁剪或缩小。", sub.message(zh));
            var cut = Note.of("note.image.truncated", "cut.png", "Premature end of file");
            assertEquals("cut.png seems truncated or damaged (Premature end of file); missing parts show as grey.", cut.text());
            assertEquals("cut.png 似乎不完整或已损坏（Premature end of file）；缺失的部分显示为灰色。", cut.message(zh));
            assertEquals("print.jpg is CMYK; it was converted to RGB without its colour profile, so colours may shift a little.",
                    Note.of("note.image.cmykNoProfile", "print.jpg").text());
            assertEquals("print.tif is CMYK; it was converted to RGB, so colours may shift a little.",
                    Note.of("note.image.cmyk", "print.tif").text());
        } finally {
            Locale.setDefault(before);
        }
    }
}
