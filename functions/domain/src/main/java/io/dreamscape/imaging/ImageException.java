package io.dreamscape.imaging;

import java.io.IOException;

/** An image cannot be read or written; the message says why in words a person can act on. */
public final class ImageException extends IOException {
    private final boolean truncated;

    public ImageException(String message) {
        this(message, false, null);
    }

    public ImageException(String message, boolean truncated, Throwable cause) {
        super(message, cause);
        this.truncated = truncated;
    }

    /** True when the bytes seen end before the header does: more bytes (or the whole file) might succeed. */
    public boolean isTruncated() {
        return truncated;
    }
}
