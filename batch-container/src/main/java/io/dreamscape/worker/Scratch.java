package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One attempt's local folder (the input, the working images, files being uploaded) under the configured scratch
 * folder; deleted with everything in it on close, so a retry on the same instance starts clean.
 */
final class Scratch implements AutoCloseable {
    private final Path dir;

    private Scratch(Path dir) {
        this.dir = dir;
    }

    /** A new folder {@code shard-{index}-…} under {@code root}; a root that cannot be used fails the job. */
    static Scratch create(Path root, int index, String prefix) throws WorkerException {
        try {
            Files.createDirectories(root);
            return new Scratch(Files.createTempDirectory(root, "shard-" + index + "-"));
        } catch (IOException e) {
            throw WorkerException.permanent(prefix + "cannot use the scratch folder " + root + ": " + message(e), e);
        }
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: scratch lives in a temp folder
        }
    }
}
