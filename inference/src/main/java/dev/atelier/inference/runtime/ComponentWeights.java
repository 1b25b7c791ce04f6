package dev.atelier.inference.runtime;

import dev.atelier.inference.io.DType;
import dev.atelier.inference.io.TensorInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many bytes a component occupies on the device, read from its weight table before anything is loaded:
 * the repeated blocks ({@code transformer_blocks.N.}, {@code layers.N.}, {@code blocks.N.}) one by one, the rest
 * together, and a breakdown by stored dtype.
 *
 * @param role        which stage it belongs to
 * @param name        for messages ("transformer")
 * @param otherBytes  device bytes outside the blocks (embeddings, norms, projections)
 * @param blocks      the blocks in execution order (group, then index)
 * @param storedBytesByDtype bytes as stored, per dtype string ("BF16", "F8_E4M3", ...)
 * @param hidden      the width most block matrices share (3072 for Qwen-Image), 0 when there are no blocks
 * @param mlpHidden   the MLP's inner width (12288), 0 when not recognised
 */
public record ComponentWeights(ComponentRole role, String name, long otherBytes, List<Block> blocks,
                               Map<String, Long> storedBytesByDtype, long hidden, long mlpHidden) {
    /** {@code <prefix>(transformer_blocks|blocks|layers).<N>.} */
    private static final Pattern BLOCK = Pattern.compile("^(.*?(?:transformer_blocks|blocks|layers))\\.(\\d+)\\.");

    /** One repeated block (the streaming unit). */
    public record Block(String key, long bytes) {
    }

    public ComponentWeights {
        blocks = List.copyOf(blocks);
        storedBytesByDtype = Map.copyOf(storedBytesByDtype);
    }

    /**
     * Sizes {@code tensors} as they will sit on the device when loaded as {@code precision} (e.g. a f32 checkpoint
     * loaded as bf16 takes half its file size).
     */
    public static ComponentWeights of(ComponentRole role, String name, Map<String, TensorInfo> tensors,
                                      WeightPrecision precision) {
        Map<String, TreeMap<Integer, long[]>> groups = new LinkedHashMap<>();
        Map<String, Long> byDtype = new TreeMap<>();
        Map<String, List<long[]>> firstBlockShapes = new HashMap<>();
        long other = 0;
        for (TensorInfo t : tensors.values()) {
            long b = precision.deviceBytes(t);
            byDtype.merge(t.dtype(), t.byteSize(), Long::sum);
            Matcher m = BLOCK.matcher(t.name());
            if (m.find()) {
                int idx = Integer.parseInt(m.group(2));
                groups.computeIfAbsent(m.group(1), k -> new TreeMap<>()).computeIfAbsent(idx, k -> new long[1])[0] += b;
                if (idx == 0 && t.shape().length == 2) {
                    firstBlockShapes.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(t.shape());
                }
            } else {
                other += b;
            }
        }
        List<Block> blocks = new ArrayList<>();
        groups.forEach((prefix, byIndex) -> byIndex.forEach((i, bytes) -> blocks.add(new Block(prefix + "." + i, bytes[0]))));
        // width of the largest block group (the transformer / language model, not the vision tower)
        String main = groups.entrySet().stream()
                .max(java.util.Comparator.comparingLong(e -> e.getValue().values().stream().mapToLong(a -> a[0]).sum()))
                .map(Map.Entry::getKey).orElse(null);
        List<long[]> shapes = main == null ? List.of() : firstBlockShapes.getOrDefault(main, List.of());
        long hidden = mostCommonDim(shapes);
        long mlp = mlpDim(shapes, hidden);
        return new ComponentWeights(role, name, other, blocks, byDtype, hidden, mlp);
    }

    /** Every byte on the device when fully resident. */
    public long totalBytes() {
        return otherBytes + blockBytes();
    }

    public long blockBytes() {
        return blocks.stream().mapToLong(Block::bytes).sum();
    }

    public long maxBlockBytes() {
        return blocks.stream().mapToLong(Block::bytes).max().orElse(0);
    }

    /** Bytes of the stored file(s). */
    public long storedBytes() {
        return storedBytesByDtype.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long mostCommonDim(List<long[]> shapes) {
        Map<Long, Integer> count = new HashMap<>();
        for (long[] s : shapes) {
            for (long d : s) {
                count.merge(d, 1, Integer::sum);
            }
        }
        return count.entrySet().stream().max(Map.Entry.<Long, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(0L);
    }

    /** The largest d that is the output of one [d, hidden] matrix and the input of one [hidden, d] (fc1 / fc2). */
    private static long mlpDim(List<long[]> shapes, long hidden) {
        long best = 0;
        for (long[] a : shapes) {
            if (a[1] != hidden || a[0] <= best || a[0] == hidden) {
                continue;
            }
            for (long[] b : shapes) {
                if (b[0] == hidden && b[1] == a[0]) {
                    best = a[0];
                    break;
                }
            }
        }
        return best;
    }

    /**
     * How stored dtypes become device bytes: float tensors take {@code floatBytes} per element (2 for bf16/fp16,
     * 4 for f32) unless they are fp8 and {@code keepFp8} (fp8 weights stay 1 byte, dequantised per matmul);
     * integer tensors and formats we do not widen (GGUF blocks) keep their stored size.
     */
    public record WeightPrecision(int floatBytes, boolean keepFp8) {
        public static final WeightPrecision BF16 = new WeightPrecision(2, false);
        public static final WeightPrecision FP8 = new WeightPrecision(2, true);
        public static final WeightPrecision F32 = new WeightPrecision(4, false);

        public long deviceBytes(TensorInfo t) {
            DType d = DType.parse(t.dtype());
            if (d == null || !d.isFloat()) {
                return t.byteSize();
            }
            if (keepFp8 && (d == DType.F8_E4M3 || d == DType.F8_E5M2)) {
                return t.numel();
            }
            return t.numel() * floatBytes;
        }
    }
}
