package io.dreamscape.engine.weights;

import java.io.IOException;

/**
 * The weights could not be obtained (no network, HTTP error, wrong checksum, interrupted download). The message is
 * meant for the user as is: it says what went wrong and exactly which file to put where to work offline.
 */
public class WeightsUnavailableException extends IOException {
    public WeightsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
