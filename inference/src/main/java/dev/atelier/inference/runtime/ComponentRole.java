package dev.atelier.inference.runtime;

/** The parts of a Qwen-Image pipeline, in stage order (diffusers' model_cpu_offload_seq "text_encoder->transformer->vae"). */
public enum ComponentRole {
    TEXT_ENCODER("text encoder"), TRANSFORMER("transformer"), VAE("VAE");

    private final String label;

    ComponentRole(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
