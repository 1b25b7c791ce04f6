package dev.atelier.inference.api;

import java.util.List;
import java.util.Locale;

/**
 * What an image decoder's warnings say about the file, shared by the engine's reader and the studio's loader so both
 * refuse the same files with the same words. ImageIO decodes a truncated JPEG without an exception (the missing rows
 * come out grey) and only warns "Premature end of JPEG file"; each side collects the warning texts its reader
 * reported and asks here. Plain strings and bytes only, so the API stays free of ImageIO types.
 */
public final class ImageDecodeWarnings {
    private ImageDecodeWarnings() {}

    /**
     * The message for a file whose decoder warned that its data ends early, naming the file and what to do, or null
     * when no warning says so.
     */
    public static String cutShort(String fileName, List<String> warnings) {
        for (String warning : warnings) {
            if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                return message(fileName, warning);
            }
        }
        return null;
    }

    /**
     * The message for a WebP file shorter than its RIFF header declares, or null when {@code head} (the file's first
     * bytes) is no WebP header or the file is long enough. ImageIO's WebP plugin does not recognise such a file at all,
     * so without this it would read as "not an image".
     */
    public static String cutShortWebp(String fileName, byte[] head, long fileSize) {
        if (!WebpXmp.isWebp(head)) return null;
        long declared = WebpXmp.declaredLength(head);
        if (fileSize >= declared) return null;
        return message(fileName, "it has " + fileSize + " of the " + declared + " bytes its header declares");
    }

    private static String message(String fileName, String detail) {
        return fileName + " is cut short (" + detail + "); the download or copy is incomplete — use a complete copy of "
                + "the image";
    }
}
