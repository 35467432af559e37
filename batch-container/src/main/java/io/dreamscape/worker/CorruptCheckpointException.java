package io.dreamscape.worker;

import java.io.IOException;

/** A checkpoint file that cannot be trusted: wrong magic or version, truncated, bad CRC, impossible sizes. */
public final class CorruptCheckpointException extends IOException {
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
