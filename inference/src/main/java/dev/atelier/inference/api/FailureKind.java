package dev.atelier.inference.api;

/** Why a job ended without an image. */
public enum FailureKind {
    /** The request is invalid (a field, an image, a mask). */
    BAD_INPUT,
    /** A model file or component is missing. */
    MODEL_MISSING,
    /** A model file is there but unreadable or of the wrong architecture/shape. */
    MODEL_INVALID,
    /** GPU or host memory ran out. */
    OUT_OF_MEMORY,
    /** The user cancelled. */
    CANCELLED,
    /** This build cannot run the request (e.g. a pipeline not implemented yet). */
    NOT_AVAILABLE,
    /** A bug: anything else. */
    INTERNAL
}
