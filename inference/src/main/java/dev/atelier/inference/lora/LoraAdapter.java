package dev.atelier.inference.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.atelier.inference.io.LoraFormat;
import dev.atelier.inference.io.WeightFormatException;
import dev.atelier.inference.nn.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One LoRA in a single form whatever file layout it came from ({@link LoraLoader}): per target module (canonical
 * diffusers name, e.g. {@code transformer_blocks.0.attn.to_q}) a {@code down [r, in]}, an {@code up [out, r]} and
 * the file's own {@code scale = alpha / rank} (1 for PEFT files, whose alpha is folded into {@code up}).
 * The weight change at strength {@code s} is {@code ΔW = s * scale * up @ down}.
 *
 * <p>Two ways to use it on a loaded model (modules from {@link dev.atelier.inference.nn.Weights#modules()}):
 * {@link #attach} adds a low-rank path to each target {@link Linear} ({@code y += s*scale * (x down^T) up^T}) —
 * switching or removing a LoRA touches only these small tensors, the base weights are never reloaded;
 * {@link #merge} adds {@code ΔW} into the float weights in place (faster per step; {@link Applied#remove()}
 * subtracts it again, equal to the original within float rounding). With a quantised base (fp8, GGUF) the LoRA
 * is applied after dequantisation (attach on the GPU path; the CPU path's weights are already float32) and the
 * merged weight is never requantised.
 */
public final class LoraAdapter implements AutoCloseable {
    /** One target module. */
    public record Target(String module, NDArray down, NDArray up, float scale) {
        public long rank() {
            return down.getShape().get(0);
        }
    }

    private final Path source;
    private final LoraFormat format;
    private final Map<String, Target> targets;
    private final List<String> unmatched;
    private final NDManager manager;

    LoraAdapter(Path source, LoraFormat format, Map<String, Target> targets, List<String> unmatched, NDManager manager) {
        this.source = source;
        this.format = format;
        this.targets = Collections.unmodifiableMap(targets);
        this.unmatched = List.copyOf(unmatched);
        this.manager = manager;
    }

    public Path source() {
        return source;
    }

    public LoraFormat format() {
        return format;
    }

    /** Target module name → its down/up/scale, in file order. */
    public Map<String, Target> targets() {
        return targets;
    }

    /**
     * LoRA modules that name no Linear of the base model (a partial match), and keys that are not low-rank
     * pairs; empty when everything matched.
     */
    public List<String> unmatched() {
        return unmatched;
    }

    /** A line for the user when the match was partial, else empty. */
    public String warning() {
        if (unmatched.isEmpty()) {
            return "";
        }
        return source.getFileName() + ": " + targets.size() + " layers matched, " + unmatched.size()
                + " LoRA entries did not and are not applied: " + String.join(", ", unmatched.stream().limit(20).toList())
                + (unmatched.size() > 20 ? ", ..." : "");
    }

    /**
     * {@code ΔW = strength * scale * up @ down} of one target, float32 [out, in], attached to {@code m} (which must
     * be on the device the LoRA was loaded to).
     */
    public NDArray delta(String module, float strength, NDManager m) {
        Target t = targets.get(module);
        NDArray d = t.up().matMul(t.down());
        d.attach(m);
        NDArray s = m.create(strength * t.scale());
        NDArray out = d.mul(s);
        d.close();
        s.close();
        return out;
    }

    /** What {@link #attach} or {@link #merge} did; {@link #remove()} undoes it. */
    public interface Applied {
        /** Restores every touched layer. */
        void remove();
    }

    /**
     * Adds this LoRA's low-rank path at {@code strength} to the matching modules. The per-module tensors
     * ({@code down} and {@code strength * scale * up} in the layer's dtype and device) live in {@code m}.
     */
    public Applied attach(Map<String, Linear> modules, float strength, NDManager m) {
        List<Runnable> undo = new ArrayList<>();
        for (Target t : targets.values()) {
            Linear l = require(modules, t.module());
            DataType dt = l.computeType();
            NDArray down = t.down().getDataType() == dt ? t.down().duplicate() : t.down().toType(dt, false);
            down.attach(m);
            NDArray s = m.create(strength * t.scale());
            NDArray up32 = t.up().mul(s);
            up32.attach(m);
            NDArray up = up32.toType(dt, false);
            if (up != up32) {
                up32.close();
            }
            s.close();
            Linear.Adapter a = x -> {
                NDArray h = ai.djl.nn.core.Linear.linear(x, down, null).singletonOrThrow();
                NDArray y = ai.djl.nn.core.Linear.linear(h, up, null).singletonOrThrow();
                h.close();
                return y;
            };
            l.addAdapter(a);
            undo.add(() -> {
                l.removeAdapter(a);
                down.close();
                up.close();
            });
        }
        return () -> undo.forEach(Runnable::run);
    }

    /** Adds {@code strength * ΔW} into each matching module's weight in place ({@link Applied#remove()} subtracts). */
    public Applied merge(Map<String, Linear> modules, float strength) {
        List<Runnable> undo = new ArrayList<>();
        for (Target t : targets.values()) {
            Linear l = require(modules, t.module());
            NDArray w = l.weight();
            try (NDManager m = w.getManager().newSubManager()) {
                NDArray d = delta(t.module(), strength, m).toType(w.getDataType(), false);
                l.addToWeight(d, 1);
            }
            undo.add(() -> {
                try (NDManager m = w.getManager().newSubManager()) {
                    l.addToWeight(delta(t.module(), strength, m).toType(w.getDataType(), false), -1);
                }
            });
        }
        return () -> undo.forEach(Runnable::run);
    }

    private Linear require(Map<String, Linear> modules, String module) {
        Linear l = modules.get(module);
        if (l == null) {
            throw new WeightFormatException(source, "LoRA target '" + module + "' is not a Linear layer of the loaded "
                    + "model (was the LoRA loaded against another model's weight table?)");
        }
        return l;
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return source.getFileName() + " (" + format.description() + ", " + targets.size() + " modules"
                + (unmatched.isEmpty() ? "" : ", " + unmatched.size() + " unmatched") + ")";
    }
}
