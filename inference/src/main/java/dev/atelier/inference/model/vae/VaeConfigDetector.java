package dev.atelier.inference.model.vae;

import dev.atelier.inference.io.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Infers a {@link QwenImageVaeConfig} from tensor names and shapes (diffusers names; other layouts through a
 * key-mapped store), without reading data — for single-file checkpoints that ship no {@code config.json}.
 * {@code latents_mean}/{@code latents_std} are not stored in weights: diffusers' defaults (the released values) are
 * used.
 */
final class VaeConfigDetector {
    private VaeConfigDetector() {}

    static QwenImageVaeConfig detect(Map<String, TensorInfo> t) {
        long[] convIn = shape(t, "encoder.conv_in.weight");
        int baseDim = (int) convIn[0];
        int inputChannels = (int) convIn[1];
        int zDim = (int) shape(t, "post_quant_conv.weight")[0];
        int stages = 0;
        while (t.containsKey("decoder.up_blocks." + stages + ".resnets.0.conv1.weight")) {
            stages++;
        }
        if (stages < 2) {
            throw new IllegalArgumentException("not a Qwen-Image VAE: fewer than two decoder.up_blocks");
        }
        int resnets = 0;
        while (t.containsKey("decoder.up_blocks.0.resnets." + resnets + ".conv1.weight")) {
            resnets++;
        }
        int[] dimMult = new int[stages];
        for (int i = 0; i < stages; i++) {
            long out = shape(t, "decoder.up_blocks." + i + ".resnets.0.conv1.weight")[0];
            dimMult[stages - 1 - i] = (int) (out / baseDim);
        }
        boolean[] temporal = new boolean[stages - 1];
        List<Double> attn = new ArrayList<>();
        int index = 0;
        double scale = 1.0;
        int numRes = resnets - 1;
        for (int i = 0; i < stages; i++) {
            for (int r = 0; r < numRes; r++) {
                index++;
                if (t.containsKey("encoder.down_blocks." + index + ".to_qkv.weight")) {
                    if (!attn.contains(scale)) {
                        attn.add(scale);
                    }
                    index++;
                }
            }
            if (i != stages - 1) {
                temporal[i] = t.containsKey("encoder.down_blocks." + index + ".time_conv.weight");
                index++;
                scale /= 2.0;
            }
        }
        QwenImageVaeConfig d = QwenImageVaeConfig.defaults();
        float[] mean = d.latentsMean().length == zDim ? d.latentsMean() : new float[zDim];
        float[] std = d.latentsStd().length == zDim ? d.latentsStd() : ones(zDim);
        return new QwenImageVaeConfig(baseDim, zDim, dimMult, numRes, attn.stream().mapToDouble(x -> x).toArray(),
                temporal, inputChannels, mean, std);
    }

    private static long[] shape(Map<String, TensorInfo> t, String key) {
        TensorInfo i = t.get(key);
        if (i == null) {
            throw new IllegalArgumentException("not a Qwen-Image VAE: no '" + key + "'");
        }
        return i.shape();
    }

    private static float[] ones(int n) {
        float[] r = new float[n];
        java.util.Arrays.fill(r, 1f);
        return r;
    }
}
