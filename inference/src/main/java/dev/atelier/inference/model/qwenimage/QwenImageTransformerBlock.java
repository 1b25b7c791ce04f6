package dev.atelier.inference.model.qwenimage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
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
     * A stream between blocks: {@code x}, or, when {@code y} is not null, {@code x + gate * y} not yet added (the next
     * block adds it in the same pass as its first norm, the transformer in the same pass as {@code norm_out}).
     * {@code gate1} gates the tokens from the context's split on (zero_cond_t); null: {@code gate0} everywhere.
     */
    public record Residual(NDArray x, NDArray gate0, NDArray gate1, NDArray y) {
        public static Residual of(NDArray x) {
            return new Residual(x, null, null, null);
        }

        boolean pending() {
            return y != null;
        }

        NDArray gate1OrGate0() {
            return gate1 != null ? gate1 : gate0;
        }

        /** The stream's value as a new array (a copy of x when nothing is pending); the caller owns it. */
        public NDArray materialize(Kernels k, long split) {
            if (!pending()) {
                return x.duplicate();
            }
            return split >= 0 ? k.gatedAddSplit(x, gate0, gate1OrGate0(), y, split) : k.gatedAdd(x, gate0, y);
        }

        /** Frees every array of the state and takes them out of the current scope. */
        public void close() {
            for (NDArray a : new NDArray[] {x, gate0, gate1, y}) {
                if (a != null) {
                    NDScope.unregister(a);
                    a.close();
                }
            }
        }
    }

    /**
     * @param img image stream [B, Si, D]
     * @param txt text stream [B, St, D]
     * @return {text stream, image stream} after the block (diffusers' order), each with its MLP residual pending.
     *     The block takes ownership of {@code img} and {@code txt}: it frees their arrays as soon as it has read them.
     */
    public Residual[] forward(Residual img, Residual txt, Context c) {
        Kernels k = c.kernels();
        NDArray[] r = Scopes.many(() -> {
            NDArray imgParams = imgMod.forward(c.siluTembImg());   // [B or 2B, 6D]
            NDArray txtParams = txtMod.forward(c.siluTembTxt());   // [B, 6D]
            Mod[] im = mods(imgParams, c.zeroCond());
            Mod[] tm = mods(txtParams, false);

            // the previous block's MLP residual and this block's first norm + modulation in one pass
            NDArray[] i0 = enter(k, img, im[0], c.split());
            NDArray[] t0 = enter(k, txt, tm[0], -1);
            if (img.pending()) {
                img.close(); // read: i0[0] holds the sum
            }
            if (txt.pending()) {
                txt.close();
            }
            NDArray[] a = attn.forward(i0[1], t0[1], c.jointMask(), c.textLengths(), c.rope(), k, c.attention());
            // the attention half's residual and the MLP half's modulated input in one pass
            NDArray[] i1 = k.gatedAddNormModulate(i0[0], im[0].gate0, im[0].gate1, a[0], im[1].shift0, im[1].scale0,
                    im[1].shift1, im[1].scale1, c.split(), EPS);
            NDArray[] t1 = k.gatedAddNormModulate(t0[0], tm[0].gate0, tm[0].gate0, a[1], tm[1].shift0, tm[1].scale0,
                    tm[1].shift0, tm[1].scale0, -1, EPS);
            img.close(); // i0[0] was img.x when nothing was pending (closing twice is a no-op)
            txt.close();
            NDArray imgY = imgMlp.forward(i1[1], k);
            NDArray txtY = txtMlp.forward(t1[1], k);
            NDArray imgGate1 = im[1].gate1 == im[1].gate0 ? null : im[1].gate1;
            return imgGate1 == null
                    ? new NDArray[] {t1[0], tm[1].gate0, txtY, i1[0], im[1].gate0, imgY}
                    : new NDArray[] {t1[0], tm[1].gate0, txtY, i1[0], im[1].gate0, imgY, imgGate1};
        });
        return new Residual[] {new Residual(r[0], r[1], null, r[2]),
            new Residual(r[3], r[4], r.length > 6 ? r[6] : null, r[5])};
    }

    /** {stream value, its modulated norm}: the pending residual added in the same pass when there is one. */
    private static NDArray[] enter(Kernels k, Residual in, Mod m, long split) {
        if (!in.pending()) {
            return new NDArray[] {in.x(), modulate(k, in.x(), m, split)};
        }
        return k.gatedAddNormModulate(in.x(), in.gate0(), in.gate1OrGate0(), in.y(), m.shift0, m.scale0, m.shift1,
                m.scale1, split, EPS);
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
}
