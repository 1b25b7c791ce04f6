package dev.atelier.inference.io;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded fuzzing of the header parser: random mutations of valid headers must either parse or throw
 * {@link WeightFormatException} — never another exception, never an OutOfMemoryError. A fixed seed and a fixed
 * number of runs keep CI deterministic.
 */
class SafetensorsHeaderFuzzTest {
    private static final String[] SEEDS = {
        "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}}",
        "{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"I64\",\"shape\":[],"
                + "\"data_offsets\":[8,16]}}",
    };
    private static final String ALPHABET = "{}[]\":,0123456789-eE.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_ \\";

    @Test
    void mutatedHeadersOnlyFailWithNamedErrors() {
        SplittableRandom rnd = new SplittableRandom(20261125);
        Path p = Path.of("fuzz.safetensors");
        for (int run = 0; run < 20_000; run++) {
            byte[] h = SEEDS[rnd.nextInt(SEEDS.length)].getBytes(StandardCharsets.UTF_8);
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                h = mutate(h, rnd);
            }
            long dataSize = rnd.nextInt(4) == 0 ? rnd.nextLong(0, 1L << 40) : rnd.nextInt(0, 64);
            try {
                SafetensorsFile.parseHeader(p, h, dataSize);
            } catch (WeightFormatException ok) {
                // expected for most mutations
            } catch (Throwable t) {
                fail("run " + run + ": " + t + " on header " + new String(h, StandardCharsets.UTF_8), t);
            }
        }
    }

    private static byte[] mutate(byte[] h, SplittableRandom rnd) {
        int kind = rnd.nextInt(4);
        int at = h.length == 0 ? 0 : rnd.nextInt(h.length);
        return switch (kind) {
            case 0 -> { // replace a byte
                byte[] c = h.clone();
                if (c.length > 0) {
                    c[at] = (byte) ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
                }
                yield c;
            }
            case 1 -> { // delete a span
                int len = Math.min(h.length - at, 1 + rnd.nextInt(6));
                byte[] c = new byte[h.length - len];
                System.arraycopy(h, 0, c, 0, at);
                System.arraycopy(h, at + len, c, at, h.length - at - len);
                yield c;
            }
            case 2 -> { // insert digits (big numbers, negative numbers)
                String ins = rnd.nextBoolean() ? Long.toString(rnd.nextLong()) : "9".repeat(1 + rnd.nextInt(30));
                byte[] b = ins.getBytes(StandardCharsets.UTF_8);
                byte[] c = new byte[h.length + b.length];
                System.arraycopy(h, 0, c, 0, at);
                System.arraycopy(b, 0, c, at, b.length);
                System.arraycopy(h, at, c, at + b.length, h.length - at);
                yield c;
            }
            default -> { // random byte (possibly invalid UTF-8)
                byte[] c = h.clone();
                if (c.length > 0) {
                    c[at] = (byte) rnd.nextInt(256);
                }
                yield c;
            }
        };
    }
}
