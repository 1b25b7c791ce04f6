package dev.atelier.inference.api;

/**
 * How the output size is chosen.
 * <ul>
 * <li>{@code MATCH_SOURCE}: edits keep the source photo's size (large photos are edited around the mask and
 * stitched back); text-to-image uses {@code width x height}.</li>
 * <li>{@code MODEL_AREA}: the pipelines' rule — about {@code width * height} pixels (1024² by default) with the
 * source's aspect ratio, sides multiples of 16.</li>
 * <li>{@code EXACT}: exactly {@code width x height} (multiples of 16).</li>
 * </ul>
 */
public record SizePolicy(Mode mode, int width, int height) {
    public enum Mode { MATCH_SOURCE, MODEL_AREA, EXACT }

    public static final int MIN_SIDE = 256;
    public static final int MAX_SIDE = 4096;

    public SizePolicy {
        if (mode == null) {
            throw new IllegalArgumentException("size.mode: missing (MATCH_SOURCE, MODEL_AREA or EXACT)");
        }
        checkSide("size.width", width);
        checkSide("size.height", height);
    }

    static void checkSide(String field, int v) {
        if (v < MIN_SIDE || v > MAX_SIDE) {
            throw new IllegalArgumentException(field + ": " + v + " is outside " + MIN_SIDE + ".." + MAX_SIDE + " pixels");
        }
        if (v % 16 != 0) {
            int down = v / 16 * 16;
            throw new IllegalArgumentException(field + ": " + v + " is not a multiple of 16; use " + down + " or " + (down + 16));
        }
    }

    public static SizePolicy matchSource() {
        return new SizePolicy(Mode.MATCH_SOURCE, 1024, 1024);
    }

    public static SizePolicy modelArea() {
        return new SizePolicy(Mode.MODEL_AREA, 1024, 1024);
    }

    public static SizePolicy exact(int width, int height) {
        return new SizePolicy(Mode.EXACT, width, height);
    }
}
