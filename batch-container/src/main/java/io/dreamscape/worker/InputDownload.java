package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.seconds;

import io.dreamscape.job.Source;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The exact planned version of a job's input, fetched whole with parallel ranged GETs ({@link ParallelDownload}). Its
 * ETag is checked against the plan before and after: an input deleted or replaced since the job was planned fails the
 * job (the plan's rectangles and the checkpoints belong to the planned upload).
 */
final class InputDownload {
    private InputDownload() {
    }

    /** The input as {@code dir/input}; {@code stop} ends the transfer early (SIGTERM). */
    static Path fetch(ObjectStore objects, Source source, Path dir, int connections, BooleanSupplier stop, JsonLog log)
            throws WorkerException, IOException {
        String where = "s3://" + objects.bucket() + "/" + source.key()
                + (source.versionId() == null ? "" : " (version " + source.versionId() + ")");
        Optional<ObjectStore.ObjectInfo> info = objects.head(source.key(), source.versionId());
        if (info.isEmpty()) {
            throw WorkerException.permanent("the input " + where + " no longer exists (deleted after the job was planned)");
        }
        checkSameUpload(source, info.get(), where);
        Path file = dir.resolve("input");
        long t0 = System.nanoTime();
        ParallelDownload.fetch(objects, source.key(), source.versionId(), info.get().size(), file,
                ParallelDownload.DEFAULT_PART_BYTES, connections, stop);
        Optional<ObjectStore.ObjectInfo> after = objects.head(source.key(), source.versionId());
        if (after.isEmpty()) {
            throw WorkerException.permanent("the input " + where + " was deleted while it was being downloaded");
        }
        checkSameUpload(source, after.get(), where);
        double s = seconds(t0);
        log.info("input downloaded", "key", source.key(), "bytes", info.get().size(), "seconds", s,
                "megabytesPerSecond", Math.round(info.get().size() / 1e6 / Math.max(s, 1e-6) * 10) / 10.0);
        return file;
    }

    private static void checkSameUpload(Source source, ObjectStore.ObjectInfo info, String where) throws WorkerException {
        if (!source.sameRevisionAs(info.etag())) {
            throw WorkerException.permanent("the input " + where + " was replaced after the job was planned (ETag "
                    + info.etag() + ", planned " + source.etag() + "); upload it again to start a new job");
        }
    }
}
