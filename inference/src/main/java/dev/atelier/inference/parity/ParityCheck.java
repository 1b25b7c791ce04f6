package dev.atelier.inference.parity;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** A group of comparisons of one component against the reference tensors of a fixture folder. */
public interface ParityCheck {
    /** Short name, e.g. {@code transformer.edit}. */
    String name();

    /** Whether the fixture folder holds what this check needs. */
    boolean applies(Fixture fixture);

    /** Runs the component on the fixture's inputs and compares every output (fp32, CPU). */
    List<ParityResult> run(Fixture fixture, NDManager manager) throws Exception;
}
