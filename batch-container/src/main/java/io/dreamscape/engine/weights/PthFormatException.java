package io.dreamscape.engine.weights;

import java.io.IOException;

/** A {@code .pth} file that cannot be read: not a PyTorch file, corrupt, truncated, or holding something unexpected. */
public class PthFormatException extends IOException {
    public PthFormatException(String message) {
        super(message);
    }

    public PthFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
