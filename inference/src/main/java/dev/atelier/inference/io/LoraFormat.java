package dev.atelier.inference.io;

import java.util.Collection;
import java.util.Optional;

/** The key layouts LoRA files ship in (detected from the keys alone). */
public enum LoraFormat {
    /** lightx2v / ComfyUI: {@code <module>.lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}. */
    LIGHTX2V("lightx2v (lora_down/lora_up/alpha)"),
    /** The same with a {@code diffusion_model.} prefix. */
    LIGHTX2V_PREFIXED("lightx2v with diffusion_model. prefix"),
    /** diffusers / PEFT: {@code [transformer.]<module>.lora_A.weight}, {@code .lora_B.weight}, alpha = rank. */
    PEFT("PEFT/diffusers (lora_A/lora_B)"),
    /** kohya sd-scripts: {@code lora_unet_<module with _>.lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}. */
    KOHYA("kohya (lora_unet_*)");

    private final String description;

    LoraFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The format of a LoRA file's keys, or empty when they are not LoRA keys. */
    public static Optional<LoraFormat> detect(Collection<String> keys) {
        boolean kohya = false;
        boolean peft = false;
        boolean down = false;
        boolean prefixed = false;
        for (String k : keys) {
            if (k.startsWith("lora_unet_") && (k.contains(".lora_down.") || k.contains(".lora_up."))) {
                kohya = true;
            } else if (k.contains(".lora_A.") || k.contains(".lora_B.")) {
                peft = true;
            } else if (k.contains(".lora_down.") || k.contains(".lora_up.")) {
                down = true;
                prefixed |= k.startsWith("diffusion_model.");
            }
        }
        if (kohya) {
            return Optional.of(KOHYA);
        }
        if (down) {
            return Optional.of(prefixed ? LIGHTX2V_PREFIXED : LIGHTX2V);
        }
        return peft ? Optional.of(PEFT) : Optional.empty();
    }
}
