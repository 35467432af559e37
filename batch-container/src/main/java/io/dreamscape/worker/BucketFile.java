package io.dreamscape.worker;

import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A small object a worker needs beside its input (a model and its sidecar, a guide, a mask, the base's detail),
 * fetched whole into its scratch folder. A missing object is the job's problem, not the network's: a permanent
 * failure with the caller's sentence; a failed transfer is an {@link IOException} for the caller to judge.
 */
final class BucketFile {
    private BucketFile() {
    }

    /** {@code key} copied to {@code file}; {@code missing} is the sentence when the object is not there. */
    static Path fetch(ObjectStore objects, String key, Path file, String missing) throws WorkerException, IOException {
        if (objects.head(key).isEmpty()) throw WorkerException.permanent(missing, null);
        return copy(objects, key, file);
    }

    /** {@code key} copied to {@code file} when it exists; false (nothing written) when it does not. */
    static boolean fetchIfPresent(ObjectStore objects, String key, Path file) throws IOException {
        if (objects.head(key).isEmpty()) return false;
        copy(objects, key, file);
        return true;
    }

    private static Path copy(ObjectStore objects, String key, Path file) throws IOException {
        try (InputStream in = objects.open(key)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
