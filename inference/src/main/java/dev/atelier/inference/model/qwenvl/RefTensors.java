package dev.atelier.inference.model.qwenvl;

import dev.atelier.inference.image.RgbBytes;
import dev.atelier.inference.io.DType;
import dev.atelier.inference.io.SafetensorsFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Plain-array reads of reference tensors (ids, masks, images), no NDArray needed. */
final class RefTensors {
    private RefTensors() {}

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static long[] longs(SafetensorsFile f, String name) {
        expect(f, name, DType.I64);
        return f.bytes(name).toArray(I64);
    }

    static float[] floats(SafetensorsFile f, String name) {
        expect(f, name, DType.F32);
        return f.bytes(name).toArray(F32);
    }

    static byte[] bytes(SafetensorsFile f, String name) {
        expect(f, name, DType.U8);
        return f.bytes(name).toArray(ValueLayout.JAVA_BYTE);
    }

    static long[] shape(SafetensorsFile f, String name) {
        return f.tensors().get(name).shape();
    }

    /** An {@code [H, W, 3]} uint8 tensor as an image. */
    static RgbBytes image(SafetensorsFile f, String name) {
        long[] s = shape(f, name);
        if (s.length != 3 || s[2] != 3) {
            throw new IllegalArgumentException(name + ": expected [H, W, 3] uint8, found " + java.util.Arrays.toString(s));
        }
        return new RgbBytes((int) s[1], (int) s[0], bytes(f, name));
    }

    static long[][] rows(long[] flat, long[] shape) {
        int r = (int) shape[0];
        int c = (int) shape[1];
        long[][] out = new long[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, out[i], 0, c);
        }
        return out;
    }

    private static void expect(SafetensorsFile f, String name, DType t) {
        DType d = f.dtype(name);
        if (d != t) {
            throw new IllegalArgumentException(f.source() + ": " + name + " is " + d + ", expected " + t);
        }
    }

    static MemorySegment raw(SafetensorsFile f, String name) {
        return f.bytes(name);
    }
}
