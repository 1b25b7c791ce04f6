package dev.atelier.inference.model.qwenvl;

import java.util.Arrays;

/**
 * Output of the Qwen2-VL image processor: {@code pixelValues} row-major with {@code shape = [patches, C * T * P * P]}
 * (all images concatenated along the rows) and one {@code [grid_t, grid_h, grid_w]} per image, in input order.
 */
public record PixelPatches(float[] pixelValues, long[] shape, long[][] gridThw) {
    public PixelPatches {
        if (shape.length != 2 || shape[0] * shape[1] != pixelValues.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + pixelValues.length
                    + " values");
        }
    }

    /** Merged vision tokens of image {@code i}: {@code t * h * w / merge^2}. */
    public long imageTokens(int i, int mergeSize) {
        long[] g = gridThw[i];
        return g[0] * g[1] * g[2] / ((long) mergeSize * mergeSize);
    }

    /** Row-major {@code [images, 3]} grid, for a tensor. */
    public long[] flatGrid() {
        return Arrays.stream(gridThw).flatMapToLong(Arrays::stream).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelPatches p && Arrays.equals(pixelValues, p.pixelValues) && Arrays.equals(shape, p.shape)
                && Arrays.deepEquals(gridThw, p.gridThw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pixelValues) * 31 + Arrays.deepHashCode(gridThw);
    }

    @Override
    public String toString() {
        return "PixelPatches[" + Arrays.toString(shape) + ", grids " + Arrays.deepToString(gridThw) + "]";
    }
}
