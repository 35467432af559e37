package io.dreamscape.engine.weights;

import java.net.URI;
import java.nio.file.Path;

/** Progress of a weights download, for a progress bar. Called on the downloading thread. */
@FunctionalInterface
public interface DownloadListener {

    /** Ignores everything. */
    DownloadListener NONE = (done, total) -> {
    };

    /** Called once before the first byte, with the size announced by the server or -1 if unknown. */
    default void started(URI from, Path to, long bytesTotal) {
    }

    /** Called repeatedly as bytes arrive (at least every 256 KiB and once at the end); {@code bytesTotal} may be -1. */
    void progress(long bytesDone, long bytesTotal);

    /** Called once after the file was verified and moved into place. */
    default void finished(Path file) {
    }
}
