package dev.atelier.inference.model.vae;

import ai.djl.ndarray.NDArray;

/**
 * One layer of the encoder's down path or the decoder's up path, on single frames {@code [N, C, H, W]}. The input is
 * left to the caller (not closed); every intermediate is closed as soon as it is dead, so the peak memory of a layer
 * is its input, its output and one or two temporaries.
 */
interface VaeLayer {
    NDArray forward(NDArray x);

    /** In-place SiLU ({@code x * sigmoid(x)}) of an array the caller owns. */
    static NDArray siluInPlace(NDArray x) {
        try (NDArray s = ai.djl.nn.Activation.sigmoid(x)) {
            return x.muli(s);
        }
    }
}
