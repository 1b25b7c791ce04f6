package dev.atelier.inference.model.qwenimage;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * {@code pos_embed}: 3-axis rotary frequencies (frame, height, width) for the image tokens of several images and for
 * the text tokens, as real {@code cos}/{@code sin} pairs {@code [S, head_dim/2]} (float32) instead of diffusers'
 * complex {@code freqs_cis}.
 *
 * <ul>
 *   <li>image {@code idx} (0 = target, 1.. = reference images) uses frame positions {@code idx .. idx+frames-1};</li>
 *   <li>with {@code scale_rope} (always on for Qwen-Image) height positions are centred:
 *       {@code y - ceil(h/2)} for {@code y in [0, h)}, likewise width;</li>
 *   <li>text token {@code j} has position {@code max_vid_index + j} on all three axes, where
 *       {@code max_vid_index = max over images of max(h/2, w/2)} (integer halves).</li>
 * </ul>
 * Angles are {@code position * 1 / theta^(2i/d)} in float32, as torch computes its tables.
 *
 * <p>Ported from diffusers src/diffusers/models/transformers/transformer_qwenimage.py (QwenEmbedRope)
 * @58eb52c0803ea9af3abec60841c2a093bdf1f951
 */
public final class QwenEmbedRope {
    /** Size of diffusers' precomputed position tables (positions must stay inside). */
    public static final int TABLE = 4096;

    private final int[] axesDim;
    private final NDArray[] invFreq;
    private final boolean scaleRope;

    /** {@code cpu}: a CPU manager that owns the inverse-frequency tables for the model's lifetime. */
    public QwenEmbedRope(int theta, List<Integer> axesDim, boolean scaleRope, NDManager cpu) {
        this.axesDim = axesDim.stream().mapToInt(Integer::intValue).toArray();
        this.scaleRope = scaleRope;
        this.invFreq = new NDArray[this.axesDim.length];
        for (int a = 0; a < this.axesDim.length; a++) {
            int d = this.axesDim[a];
            NDArray exp = cpu.arange(0, d, 2, DataType.FLOAT32).div(cpu.create((float) d));
            NDArray pow = cpu.create((float) theta).pow(exp);
            invFreq[a] = cpu.create(1f).div(pow);
            exp.close();
            pow.close();
        }
    }

    /** The rotary tables of one forward: image tokens (all images concatenated) and text tokens. */
    public record Freqs(NDArray imgCos, NDArray imgSin, NDArray txtCos, NDArray txtSin) {}

    /**
     * @param images  the images of one sample (target first); diffusers uses the first sample's list for the batch
     * @param txtLen  the padded text length of encoder_hidden_states
     * @param manager where the results go (its device); intermediates live on the CPU
     */
    public Freqs forward(List<ImageShape> images, int txtLen, NDManager manager) {
        long nImg = images.stream().mapToLong(ImageShape::tokens).sum();
        int[][] imgPos = new int[3][(int) nImg];
        int maxVidIndex = 0;
        int t = 0;
        for (int idx = 0; idx < images.size(); idx++) {
            ImageShape s = images.get(idx);
            int h0 = scaleRope ? s.height() - s.height() / 2 : 0;
            int w0 = scaleRope ? s.width() - s.width() / 2 : 0;
            checkRange(idx + s.frames() - 1, "frame");
            checkRange(scaleRope ? Math.max(s.height() / 2, s.width() / 2) : Math.max(s.height(), s.width()), "size");
            for (int f = 0; f < s.frames(); f++) {
                for (int y = 0; y < s.height(); y++) {
                    for (int x = 0; x < s.width(); x++) {
                        imgPos[0][t] = idx + f;
                        imgPos[1][t] = y - h0;
                        imgPos[2][t] = x - w0;
                        t++;
                    }
                }
            }
            maxVidIndex = scaleRope ? Math.max(maxVidIndex, Math.max(s.height() / 2, s.width() / 2))
                    : Math.max(maxVidIndex, Math.max(s.height(), s.width()));
        }
        checkRange(maxVidIndex + txtLen - 1, "text");
        int[] txtPos = new int[txtLen];
        for (int j = 0; j < txtLen; j++) {
            txtPos[j] = maxVidIndex + j;
        }
        NDArray[] img = cosSin(new int[][] {imgPos[0], imgPos[1], imgPos[2]}, manager);
        NDArray[] txt = cosSin(new int[][] {txtPos, txtPos, txtPos}, manager);
        return new Freqs(img[0], img[1], txt[0], txt[1]);
    }

    private static void checkRange(int pos, String what) {
        if (pos >= TABLE) {
            throw new IllegalArgumentException("RoPE " + what + " position " + pos + " is outside the model's table of "
                    + TABLE + " positions: image too large or text too long");
        }
    }

    private NDArray[] cosSin(int[][] positions, NDManager target) {
        NDManager cpu = invFreq[0].getManager();
        int n = positions[0].length;
        NDArray cos;
        NDArray sin;
        try (NDScope scope = new NDScope()) {
            NDList angles = new NDList();
            for (int a = 0; a < axesDim.length; a++) {
                float[] p = new float[n];
                for (int i = 0; i < n; i++) {
                    p[i] = positions[a][i];
                }
                NDArray pos = cpu.create(p, new Shape(n, 1));
                angles.add(pos.mul(invFreq[a].reshape(1, -1)));
            }
            NDArray angle = NDArrays.concat(angles, 1);
            Device dev = target.getDevice();
            cos = angle.cos().toDevice(dev, true);
            sin = angle.sin().toDevice(dev, true);
            cos.attach(target);
            sin.attach(target);
            NDScope.unregister(cos, sin);
        }
        NDScope.register(cos); // owned by the caller's scope (the forward)
        NDScope.register(sin);
        return new NDArray[] {cos, sin};
    }
}
