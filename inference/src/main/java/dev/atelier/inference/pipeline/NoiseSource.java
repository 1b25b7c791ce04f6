package dev.atelier.inference.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.atelier.inference.noise.NoiseGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a pipeline run takes its standard-normal draws from, in call order (diffusers' {@code randn_tensor} calls).
 *
 * <p><b>Reproducible noise.</b> {@link #seeded(long)} gives draw number {@code k} (0-based, in the order the
 * pipeline asks) the values of {@code new NoiseGenerator(seed).stream(k)}: Philox4x32-10 counters and a Box-Muller
 * transform computed in Java with {@link StrictMath}, filled row-major into the draw's shape on the CPU and only then
 * copied to the device. No torch or CUDA random generator is involved, so the same seed, request and weights give the
 * same initial noise on every run, machine, GPU and thread count. The draws are: text-to-image and edit — draw 0 the
 * initial latents {@code [1, 16, h, w]} (unpacked layout, then packed); inpaint — draw 0 the VAE posterior sample of
 * the source image ({@code [1, 16, 1, h, w]}), draw 1 the noise {@code [1, 1, 16, h, w]}.
 *
 * <p>{@link #recorded(List)} replays draws saved from a diffusers run (the parity checks).
 */
public interface NoiseSource {
    /** The next draw: a float32 array of {@code shape} in {@code manager}; {@code what} names it for messages. */
    NDArray next(String what, Shape shape, NDManager manager);

    /** The generator id recorded in the generation parameters. */
    String id();

    static NoiseSource seeded(long seed) {
        NoiseGenerator base = new NoiseGenerator(seed);
        return new NoiseSource() {
            private int draw;

            @Override
            public NDArray next(String what, Shape shape, NDManager manager) {
                return base.stream(draw++).randn(manager, shape);
            }

            @Override
            public String id() {
                return NoiseGenerator.ID;
            }
        };
    }

    /** Replays {@code draws} in order; a draw of another shape than asked, or one too many, is an error. */
    static NoiseSource recorded(List<NDArray> draws) {
        List<NDArray> list = new ArrayList<>(draws);
        return new NoiseSource() {
            private int draw;

            @Override
            public NDArray next(String what, Shape shape, NDManager manager) {
                if (draw >= list.size()) {
                    throw new IllegalStateException("recorded noise: draw " + draw + " (" + what + ") asked, only "
                            + list.size() + " recorded");
                }
                NDArray a = list.get(draw++);
                if (a.getShape().size() != shape.size()) {
                    throw new IllegalStateException("recorded noise: draw " + (draw - 1) + " (" + what + ") is "
                            + a.getShape() + ", the pipeline asks for " + shape);
                }
                NDArray out = manager.create(a.toFloatArray(), shape);
                return out;
            }

            @Override
            public String id() {
                return "recorded";
            }
        };
    }
}
