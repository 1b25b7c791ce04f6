package dev.atelier.inference.model.qwenvl;

import java.util.Arrays;

/**
 * Token ids and attention mask of a batch, right-padded to the longest sequence with the pad token (what
 * {@code tokenizer(texts, padding=True)} returns in transformers). {@code attentionMask[b][i]} is 1 for real tokens,
 * 0 for padding.
 */
public record TokenBatch(long[][] inputIds, long[][] attentionMask) {
    public TokenBatch {
        if (inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException("ids and mask batch sizes differ");
        }
    }

    public int batchSize() {
        return inputIds.length;
    }

    /** Padded sequence length (0 for an empty batch). */
    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Number of real (unpadded) tokens of row {@code b}. */
    public int validLength(int b) {
        int n = 0;
        for (long m : attentionMask[b]) {
            n += (int) m;
        }
        return n;
    }

    /** Row-major {@code [batch, length]} ids, for a tensor. */
    public long[] flatIds() {
        return flat(inputIds);
    }

    /** Row-major {@code [batch, length]} mask, for a tensor. */
    public long[] flatMask() {
        return flat(attentionMask);
    }

    private static long[] flat(long[][] rows) {
        return Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenBatch t && Arrays.deepEquals(inputIds, t.inputIds)
                && Arrays.deepEquals(attentionMask, t.attentionMask);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(inputIds) * 31 + Arrays.deepHashCode(attentionMask);
    }

    @Override
    public String toString() {
        return "TokenBatch[" + batchSize() + "x" + length() + "]";
    }
}
