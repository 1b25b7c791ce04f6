package dev.atelier.app.io;

/** How to write an exported image: format, lossy quality (0..1) and, for WebP, lossless. */
public record ExportOptions(Format format, float quality, boolean lossless) {
    public enum Format {
        PNG("png"), JPEG("jpg"), WEBP("webp");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        public String extension() {
            return extension;
        }

        /** The format for a file name's extension, PNG when unknown. */
        public static Format forFileName(String name) {
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (n.endsWith(".jpg") || n.endsWith(".jpeg")) return JPEG;
            if (n.endsWith(".webp")) return WEBP;
            return PNG;
        }
    }

    public ExportOptions {
        if (format == null) throw new IllegalArgumentException("export format is required");
        if (!(quality >= 0 && quality <= 1)) throw new IllegalArgumentException("export quality must be in 0..1, got " + quality);
    }

    public static ExportOptions png() {
        return new ExportOptions(Format.PNG, 1f, true);
    }

    public static ExportOptions jpeg(float quality) {
        return new ExportOptions(Format.JPEG, quality, false);
    }

    public static ExportOptions webp(float quality, boolean lossless) {
        return new ExportOptions(Format.WEBP, quality, lossless);
    }
}
