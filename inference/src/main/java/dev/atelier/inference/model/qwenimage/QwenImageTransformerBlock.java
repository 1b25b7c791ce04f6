package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.atelier.inference.nn.Attention;
import dev.atelier.inference.nn.Kernels;
import dev.atelier.inference.nn.Scopes;
import dev.atelier.inference.nn.Linear;
import dev.atelier.inference.nn.Weights;

/**
 * One dual-stream block. Each stream has its own modulation ({@code img_mod}/{@code txt_mod}: SiLU → Linear to
 * 6 × dim = shift, scale, gate for the attention half and again for the MLP half), LayerNorms without affine
 * (img_norm1/2, txt_norm1/2, eps 1e-6), and MLP; both share the joint {@code attn}.
 *
 * <p>{@code zero_cond_t}: the image modulation gets 2B rows ([t, 0] embeddings); image tokens before
 * {@code split} (the target image) use the first B rows, the reference-image tokens the last B rows. The text
 * modulation uses the first B rows only.
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py (QwenImageTransformerBlock)
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class QwenImageTransformerBlock {
    static final float EPS = 1e-6f;

    private final int dim;
    private final Linear imgMod;
    private final Linear txtMod;
    private final QwenDoubleStreamAttention attn;
    private final FeedForward imgMlp;
    private final FeedForward txtMlp;

    private QwenImageTransformerBlock(int dim, Linear imgMod, Linear txtMod, QwenDoubleStreamAttention attn,
            FeedForward imgMlp, FeedForward txtMlp) {
        this.dim = dim;
        this.imgMod = imgMod;
        this.txtMod = txtMod;
        this.attn = attn;
        this.imgMlp = imgMlp;
        this.txtMlp = txtMlp;
    }

    /** {@code w}: the {@code transformer_blocks.N} scope. */
    public static QwenImageTransformerBlock load(Weights w, int dim, int heads, int headDim) {
        return new QwenImageTransformerBlock(dim,
                Linear.load(w.pp("img_mod").pp(1), dim, 6L * dim),
                Linear.load(w.pp("txt_mod").pp(1), dim, 6L * dim),
                QwenDoubleStreamAttention.load(w.pp("attn"), dim, heads, headDim),
                FeedForward.load(w.pp("img_mlp"), dim),
                FeedForward.load(w.pp("txt_mlp"), dim));
    }

    /** See {@link QwenDoubleStreamAttention#fuseProjections()}. */
    public boolean fuseProjections() {
        return attn.fuseProjections();
    }

    public boolean projectionsFused() {
        return attn.projectionsFused();
    }

    /** Per-forward inputs shared by every block. */
    /**
     * @param jointMask   [B, St + Si] key mask, or null when every text token is valid
     * @param textLengths with a mask whose padding is at the end of each prompt: the valid text tokens per sample
     *                    (attention then runs per sample over the valid keys, without a mask), else null
     */
    public record Context(NDArray siluTembImg, NDArray siluTembTxt, long split, NDArray jointMask,
            long[] textLengths, QwenEmbedRope.Freqs rope, Kernels kernels, Attention attention) {
        /** zero_cond_t: image modulation rows are [t (B rows), 0 (B rows)]. */
        boolean zeroCond() {
            return split >= 0;
        }
    }

    /**
     * @param img image stream [B, Si, D]
     * @param txt text stream [B, St, D]
     * @return {text stream, image stream} after the block (diffusers' order)
     */
    public NDArray[] forward(NDArray img, NDArray txt, Context c) {
        Kernels k = c.kernels();
        return Scopes.many(() -> {
            NDArray imgParams = imgMod.forward(c.siluTembImg());   // [B or 2B, 6D]
            NDArray txtParams = txtMod.forward(c.siluTembTxt());   // [B, 6D]
            Mod[] im = mods(imgParams, c.zeroCond());
            Mod[] tm = mods(txtParams, false);

            NDArray imgModulated = modulate(k, img, im[0], c.split());
            NDArray txtModulated = k.normModulate(txt, tm[0].shift0, tm[0].scale0, EPS);
            NDArray[] a = attn.forward(imgModulated, txtModulated, c.jointMask(), c.textLengths(), c.rope(), k,
                    c.attention());
            NDArray img1 = gate(k, img, im[0], a[0], c.split());
            NDArray txt1 = k.gatedAdd(txt, tm[0].gate0, a[1]);

            NDArray img2 = gate(k, img1, im[1], imgMlp.forward(modulate(k, img1, im[1], c.split()), k), c.split());
            NDArray txt2 = k.gatedAdd(txt1,
                    tm[1].gate0, txtMlp.forward(k.normModulate(txt1, tm[1].shift0, tm[1].scale0, EPS), k));
            return new NDArray[] {txt2, img2};
        });
    }

    /** shift/scale/gate for rows [0, B) (set 0) and, with zero_cond_t, rows [B, 2B) (set 1). */
    private record Mod(NDArray shift0, NDArray scale0, NDArray gate0, NDArray shift1, NDArray scale1, NDArray gate1) {}

    private Mod[] mods(NDArray params, boolean twoSets) {
        Mod[] out = new Mod[2];
        long rows = params.getShape().get(0);
        long b = twoSets ? rows / 2 : rows;
        for (int half = 0; half < 2; half++) {
            long base = (long) half * 3 * dim;
            NDArray[] p0 = chunk3(params.get(NDIndex.sliceAxis(0, 0, b)), base);
            NDArray[] p1 = twoSets ? chunk3(params.get(NDIndex.sliceAxis(0, b, rows)), base) : p0;
            out[half] = new Mod(p0[0], p0[1], p0[2], p1[0], p1[1], p1[2]);
        }
        return out;
    }

    private NDArray[] chunk3(NDArray p, long base) {
        return new NDArray[] {
            p.get(NDIndex.sliceAxis(1, base, base + dim)),
            p.get(NDIndex.sliceAxis(1, base + dim, base + 2L * dim)),
            p.get(NDIndex.sliceAxis(1, base + 2L * dim, base + 3L * dim)),
        };
    }

    private static NDArray modulate(Kernels k, NDArray x, Mod m, long split) {
        return split >= 0
                ? k.normModulateSplit(x, m.shift0, m.scale0, m.shift1, m.scale1, split, EPS)
                : k.normModulate(x, m.shift0, m.scale0, EPS);
    }

    private static NDArray gate(Kernels k, NDArray x, Mod m, NDArray y, long split) {
        return split >= 0 ? k.gatedAddSplit(x, m.gate0, m.gate1, y, split) : k.gatedAdd(x, m.gate0, y);
    }
}
