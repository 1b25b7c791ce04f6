package dev.atelier.inference.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds small GGUF v3 files for tests (test-only; the engine never writes GGUF). */
final class GgufWriter {
    record T(String name, long[] ne, int type, byte[] data, Long offsetOverride) {}

    private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
    private int nKv;
    private final List<T> tensors = new ArrayList<>();
    int alignment = 32;
    int version = 3;

    GgufWriter kvString(String k, String v) {
        str(kv, k);
        i32(kv, 8);
        str(kv, v);
        nKv++;
        return this;
    }

    GgufWriter kvU32(String k, int v) {
        str(kv, k);
        i32(kv, 4);
        i32(kv, v);
        nKv++;
        return this;
    }

    /** A raw key/value: the caller writes type id and payload. */
    GgufWriter kvRaw(String k, int type, byte[] payload) {
        str(kv, k);
        i32(kv, type);
        kv.writeBytes(payload);
        nKv++;
        return this;
    }

    GgufWriter kvI32Array(String k, int... v) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        i32(p, 5);
        i64(p, v.length);
        for (int x : v) {
            i32(p, x);
        }
        return kvRaw(k, 9, p.toByteArray());
    }

    GgufWriter tensor(String name, int type, byte[] data, long... ne) {
        tensors.add(new T(name, ne, type, data, null));
        return this;
    }

    GgufWriter tensorAt(String name, int type, byte[] data, long offset, long... ne) {
        tensors.add(new T(name, ne, type, data, offset));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        i32(out, GgufFile.MAGIC);
        i32(out, version);
        i64(out, tensors.size());
        i64(out, nKv);
        out.writeBytes(kv.toByteArray());
        long off = 0;
        List<Long> offsets = new ArrayList<>();
        for (T t : tensors) {
            long o = t.offsetOverride != null ? t.offsetOverride : off;
            offsets.add(o);
            off = align(Math.max(off, o + t.data.length));
            str(out, t.name);
            i32(out, t.ne.length);
            for (long d : t.ne) {
                i64(out, d);
            }
            i32(out, t.type);
            i64(out, o);
        }
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        byte[] data = new byte[(int) off];
        for (int i = 0; i < tensors.size(); i++) {
            T t = tensors.get(i);
            System.arraycopy(t.data, 0, data, (int) (long) offsets.get(i), Math.min(t.data.length, data.length - (int) (long) offsets.get(i)));
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    Path write(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes());
        return p;
    }

    private long align(long x) {
        return (x + alignment - 1) / alignment * alignment;
    }

    static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        i64(o, b.length);
        o.writeBytes(b);
    }

    static void i32(ByteArrayOutputStream o, int v) {
        o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    static void i64(ByteArrayOutputStream o, long v) {
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }
}
