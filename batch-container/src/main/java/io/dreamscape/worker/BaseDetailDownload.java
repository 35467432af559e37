package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A split dream's shard starts from the base job's detail: its rectangle of {@code jobs/{jobId}/base-detail.png}
 * ({@link WorkerTarget#readBaseDetail}). The base must have finished (the workflow runs it first); a missing or
 * unreadable detail fails the job.
 */
final class BaseDetailDownload {
    private BaseDetailDownload() {
    }

    static FloatPlanes load(ObjectStore objects, JobId id, WorkerTarget target, Path dir, String prefix)
            throws WorkerException, IOException {
        String key = StorageLayout.baseDetailKey(id);
        Path png = BucketFile.fetch(objects, key, dir.resolve("base-detail.png"), prefix + "the base of this split"
                + " dream, s3://" + objects.bucket() + "/" + key + ", is missing: the split dream's base job must finish"
                + " before its shards start (the workflow runs it first; run the worker with SHARD_INDEX set to the"
                + " plan's baseIndex)");
        try {
            return target.readBaseDetail(png, dir);
        } catch (IOException e) {
            throw WorkerException.permanent(prefix + "the base detail s3://" + objects.bucket() + "/" + key
                    + " cannot be read: " + message(e), e);
        } finally {
            Files.deleteIfExists(png);
        }
    }
}
