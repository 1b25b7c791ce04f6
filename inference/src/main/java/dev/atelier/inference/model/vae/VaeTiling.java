package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Tiled encode/decode as diffusers' {@code tiled_encode} / {@code tiled_decode}: tiles of {@code tileSample} pixels
 * start every {@code strideSample} pixels (the last ones may be cut by the image border), each is run through the
 * encoder or decoder alone, and each tile is blended into its upper and left neighbours (already blended, as the
 * reference modifies them in place) over the overlap with linear ramps ({@code blend_v}, {@code blend_h}); then every
 * tile keeps its top-left {@code stride × stride} part and the rows are concatenated.
 *
 * <p>Encode blends in latent space (overlap {@code (tile - stride) / 8} latents), decode in pixel space (overlap
 * {@code tile - stride} pixels). Only the previous row of tiles is kept, so memory is one tile's activations plus
 * one row of tile outputs.
 *
 * <p>Ported from diffusers src/diffusers/models/autoencoders/autoencoder_kl_qwenimage.py
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951 ({@code tiled_encode}, {@code tiled_decode}, {@code blend_v},
 * {@code blend_h}).
 *
 * @param tileSample   tile side in pixels (diffusers' {@code tile_sample_min_height/width}, default 256)
 * @param strideSample distance between tile starts in pixels ({@code tile_sample_stride_height/width}, default 192)
 */
public record VaeTiling(int tileSample, int strideSample) {
    /** diffusers' defaults: 256-pixel tiles every 192 pixels. */
    public static final VaeTiling DIFFUSERS_DEFAULT = new VaeTiling(256, 192);

    public VaeTiling {
        if (tileSample <= 0 || strideSample <= 0 || strideSample > tileSample) {
            throw new IllegalArgumentException("tiling needs 0 < stride <= tile (got tile " + tileSample + ", stride "
                    + strideSample + ")");
        }
    }

    /**
     * The tiling of a memory plan ({@link dev.atelier.inference.runtime.VaeTiling}: tiles of {@code tilePixels}
     * with {@code overlapPixels} blended), or {@code null} for a whole-image decode: tiles of
     * {@code tilePixels + overlapPixels} every {@code tilePixels} pixels, as the planner's peak estimate
     * {@code (tile + overlap)²} assumes; both rounded down to whole latents.
     */
    public static VaeTiling fromPlan(dev.atelier.inference.runtime.VaeTiling plan, int spatialCompression) {
        if (plan == null || !plan.tiled()) {
            return null;
        }
        int stride = Math.max(spatialCompression, plan.tilePixels() / spatialCompression * spatialCompression);
        int tile = Math.max(stride, (plan.tilePixels() + plan.overlapPixels()) / spatialCompression
                * spatialCompression);
        return new VaeTiling(tile, stride);
    }

    /** A tile of {@code tile} pixels overlapping its neighbours by a quarter (diffusers' 256/192 proportion). */
    public static VaeTiling withQuarterOverlap(int tile, int spatialCompression) {
        int overlap = Math.max(spatialCompression, (tile / 4) / spatialCompression * spatialCompression);
        return new VaeTiling(tile, tile - overlap);
    }

    /**
     * Tiled encoder: {@code encodeTile} maps an image tile [N, C, h, w] to moments [N, 2z, h/8, w/8] (encoder +
     * quant_conv). Returns the blended moments of the whole image.
     */
    NDArray encode(NDArray x, int compression, UnaryOperator<NDArray> encodeTile) {
        long height = x.getShape().get(2);
        long width = x.getShape().get(3);
        int tileLatent = tileSample / compression;
        int strideLatent = strideSample / compression;
        return run(x, height, width, strideSample, tileSample, tileLatent - strideLatent, strideLatent,
                height / compression, width / compression, encodeTile);
    }

    /** Tiled decoder: {@code decodeTile} maps latents [N, z, h, w] to pixels [N, 3, 8h, 8w] (post_quant_conv + decoder). */
    NDArray decode(NDArray z, int compression, UnaryOperator<NDArray> decodeTile) {
        long height = z.getShape().get(2);
        long width = z.getShape().get(3);
        int tileLatent = tileSample / compression;
        int strideLatent = strideSample / compression;
        return run(z, height, width, strideLatent, tileLatent, tileSample - strideSample, strideSample,
                height * compression, width * compression, decodeTile);
    }

    private static NDArray run(NDArray in, long height, long width, int stepIn, int tileIn, int blend, int keep,
            long outHeight, long outWidth, UnaryOperator<NDArray> f) {
        if (stepIn <= 0 || tileIn <= 0) {
            throw new IllegalArgumentException("tile and stride must be at least one latent (8 pixels) long");
        }
        List<NDArray> above = null;
        NDList rowsOut = new NDList();
        for (long i = 0; i < height; i += stepIn) {
            List<NDArray> row = new ArrayList<>();
            NDList pieces = new NDList();
            for (long j = 0; j < width; j += stepIn) {
                NDArray tile;
                try (NDArray part = in.get(new NDIndex(":, :, {}:{}, {}:{}", i, Math.min(height, i + tileIn), j,
                        Math.min(width, j + tileIn)))) {
                    tile = f.apply(part);
                }
                int ix = row.size();
                if (above != null) {
                    blendV(above.get(ix), tile, blend);
                }
                if (ix > 0) {
                    blendH(row.get(ix - 1), tile, blend);
                }
                row.add(tile);
                pieces.add(tile.get(new NDIndex(":, :, :{}, :{}", keep, keep)));
            }
            NDArray joined = NDArrays.concat(pieces, 3);
            pieces.close();
            rowsOut.add(joined);
            if (above != null) {
                above.forEach(NDArray::close);
            }
            above = row;
        }
        if (above != null) {
            above.forEach(NDArray::close);
        }
        NDArray all = NDArrays.concat(rowsOut, 2);
        rowsOut.close();
        NDArray out = all.get(new NDIndex(":, :, :{}, :{}", outHeight, outWidth)).duplicate();
        all.close();
        return out;
    }

    /** {@code blend_v}: rows {@code y < e} of b become {@code a[-e + y] * (1 - y/e) + b[y] * (y/e)}; b in place. */
    static void blendV(NDArray a, NDArray b, int extent) {
        blend(a, b, extent, 2);
    }

    /** {@code blend_h}: the same over columns. */
    static void blendH(NDArray a, NDArray b, int extent) {
        blend(a, b, extent, 3);
    }

    private static void blend(NDArray a, NDArray b, int extent, int axis) {
        long e = Math.min(Math.min(a.getShape().get(axis), b.getShape().get(axis)), extent);
        if (e <= 0) {
            return;
        }
        long aLen = a.getShape().get(axis);
        float[] wa = new float[(int) e];
        float[] wb = new float[(int) e];
        for (int y = 0; y < e; y++) {
            double r = y / (double) e;
            wa[y] = (float) (1 - r);
            wb[y] = (float) r;
        }
        long[] wShape = axis == 2 ? new long[] {1, 1, e, 1} : new long[] {1, 1, 1, e};
        String aIdx = axis == 2 ? ":, :, {}:, :" : ":, :, :, {}:";
        String bIdx = axis == 2 ? ":, :, :{}, :" : ":, :, :, :{}";
        var m = b.getManager();
        try (NDArray wAHost = m.create(wa, new Shape(wShape));
                NDArray wBHost = m.create(wb, new Shape(wShape));
                NDArray wA = wAHost.toDevice(b.getDevice(), true);
                NDArray wB = wBHost.toDevice(b.getDevice(), true);
                NDArray aPart = a.get(new NDIndex(aIdx, aLen - e));
                NDArray bPart = b.get(new NDIndex(bIdx, e));
                NDArray t1 = aPart.mul(wA);
                NDArray t2 = bPart.mul(wB);
                NDArray sum = t1.add(t2)) {
            if (sum.getDataType() == b.getDataType()) {
                b.set(new NDIndex(bIdx, e), sum);
            } else {
                try (NDArray cast = sum.toType(b.getDataType(), false)) {
                    b.set(new NDIndex(bIdx, e), cast);
                }
            }
        }
    }
}
