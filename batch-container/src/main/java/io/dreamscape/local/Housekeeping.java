package io.dreamscape.local;

import io.dreamscape.job.JobId;
import io.dreamscape.job.StorageLayout;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What local mode tidies so that a laptop's disk and other users are not its victims: the state folder (job database,
 * its password, scratch) readable by its owner only; scratch emptied at start (a kill -9 leaves partial files that
 * nothing else removes); a finished job's shards and checkpoints removed (in the cloud a lifecycle rule does it), its
 * plan and outputs kept.
 */
final class Housekeeping {
    private Housekeeping() {
    }

    /** rwx------ on {@code folder} (where the filesystem knows POSIX permissions). */
    static void ownerOnly(Path folder) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Deletes everything inside {@code folder}, keeping the folder; how many entries went. */
    static int emptyFolder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return 0;
        List<Path> all;
        try (Stream<Path> s = Files.walk(folder)) {
            all = s.filter(p -> !p.equals(folder)).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
        return all.size();
    }

    /**
     * {@link #removeJobWork} for every job folder under {@code <bucket folder>/jobs/} whose job has ended; how many
     * objects went. Unfinished jobs keep theirs (they resume from them).
     */
    static int sweepFinishedJobs(Path bucketFolder, BlobStore blobs, String bucket, H2ProgressStore progress) throws IOException {
        Path jobs = bucketFolder.resolve("jobs");
        if (!Files.isDirectory(jobs)) return 0;
        List<Path> folders;
        try (Stream<Path> s = Files.list(jobs)) {
            folders = s.filter(p -> Files.isDirectory(p.resolve("shards")) || Files.isDirectory(p.resolve("checkpoints")))
                    .toList();
        }
        int n = 0;
        for (Path f : folders) {
            String name = f.getFileName().toString();
            if (!JobId.isValid(name)) continue;
            JobId id = JobId.of(name);
            if (progress.get(id).map(j -> j.state().isTerminal()).orElse(false)) {
                n += removeJobWork(blobs, bucket, id);
            }
        }
        return n;
    }

    /** Removes {@code jobs/{id}/shards/}, {@code jobs/{id}/checkpoints/} and {@code jobs/{id}/base/}; how many objects went. */
    static int removeJobWork(BlobStore blobs, String bucket, JobId id) {
        int n = 0;
        String job = StorageLayout.JOBS + id + "/";
        for (String prefix : List.of(job + "shards/", job + "checkpoints/", job + "base/")) {
            String token = null;
            do {
                ListObjectsV2Response page = blobs.list(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                        .continuationToken(token).build());
                for (S3Object o : page.contents()) {
                    blobs.removeBlob(DeleteObjectRequest.builder().bucket(bucket).key(o.key()).build());
                    n++;
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        }
        return n;
    }
}
