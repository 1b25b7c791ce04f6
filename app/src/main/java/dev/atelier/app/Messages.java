package dev.atelier.app;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/** The UI's words: {@code ui/i18n/messages*.properties} (English and Simplified Chinese). */
public final class Messages {
    public static final String BUNDLE = "ui.i18n.messages";
    private final ResourceBundle bundle;
    private final Locale locale;

    private static final class English {
        static final Messages MESSAGES = new Messages(Locale.ROOT); // the base bundle, whatever the JVM's locale
    }

    /** The base (English) bundle, whatever the JVM's locale: for texts in logs and tests. */
    public static Messages english() {
        return English.MESSAGES;
    }

    public Messages(Locale locale) {
        this.locale = locale;
        this.bundle = ResourceBundle.getBundle(BUNDLE, locale);
    }

    public Locale locale() {
        return locale;
    }

    public ResourceBundle bundle() {
        return bundle;
    }

    /** The text for {@code key}, or {@code fallback} when the bundle has none. */
    public String getOr(String key, String fallback) {
        return bundle.containsKey(key) ? bundle.getString(key) : fallback;
    }

    /** The text for {@code key} with {@code {0}}-style arguments; the key itself when missing (visible, not fatal). */
    public String get(String key, Object... args) {
        String pattern;
        try {
            pattern = bundle.getString(key);
        } catch (MissingResourceException e) {
            return key;
        }
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }
}
