package io.dreamscape.job;

/** A parameter is missing, unknown or out of bounds; the message says which and what is allowed. */
public final class ParameterException extends IllegalArgumentException {
    public ParameterException(String message) {
        super(message);
    }
}
