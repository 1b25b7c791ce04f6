package dev.atelier.inference.io;

import java.util.Locale;

/** Element types of the safetensors format (the whitelist the header is validated against). */
public enum DType {
    BF16(2), F16(2), F32(4), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    public boolean isFloat() {
        return switch (this) {
            case BF16, F16, F32, F64, F8_E4M3, F8_E5M2 -> true;
            default -> false;
        };
    }

    /** Parses a safetensors dtype string; {@code null} when it is not one we accept. */
    public static DType parse(String s) {
        if (s == null) {
            return null;
        }
        String u = s.toUpperCase(Locale.ROOT);
        // Older writers spell the fp8 types with a trailing "FN".
        if (u.equals("F8_E4M3FN")) {
            u = "F8_E4M3";
        }
        for (DType t : values()) {
            if (t.name().equals(u)) {
                return t;
            }
        }
        return null;
    }
}
