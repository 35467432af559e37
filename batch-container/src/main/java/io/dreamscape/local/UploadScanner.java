package io.dreamscape.local;

import io.dreamscape.job.StorageLayout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Finds uploads that arrived without an S3 request: anything under {@code uploads/} at start (missed while stopped)
 * and files copied straight into the data folder's {@code <bucket>/uploads/} while running. Each scan lists the prefix
 * and reports every (key, ETag) it has not reported before, once its last change is {@code settle} old (a file still
 * being copied in is left for the next scan). Whether a reported upload is new work is decided by the content-key
 * claim, as in the cloud.
 */
final class UploadScanner {
    private final BlobStore blobs;
    private final String bucket;
    private final Consumer<String> onUpload;
    private final Predicate<S3Object> handled;
    private final Duration settle;
    private final Clock clock;
    private final Map<String, String> reported = new ConcurrentHashMap<>();

    /** {@code handled}: objects known to have their job already (reported as seen without a look at their bytes). */
    UploadScanner(BlobStore blobs, String bucket, Consumer<String> onUpload, Predicate<S3Object> handled, Duration settle,
                  Clock clock) {
        this.blobs = blobs;
        this.bucket = bucket;
        this.onUpload = onUpload;
        this.handled = handled;
        this.settle = settle;
        this.clock = clock;
    }

    /** One pass over {@code uploads/}; returns how many keys it reported. */
    synchronized int scan() {
        int n = 0;
        Set<String> present = new HashSet<>();
        Instant settledBefore = clock.instant().minus(settle);
        String token = null;
        do {
            ListObjectsV2Response page = blobs.list(ListObjectsV2Request.builder().bucket(bucket)
                    .prefix(StorageLayout.UPLOADS).continuationToken(token).build());
            for (S3Object o : page.contents()) {
                if (o.key().endsWith("/")) {
                    continue;
                }
                present.add(o.key());
                String etag = o.eTag() + "/" + o.size() + "/" + o.lastModified();
                if (etag.equals(reported.get(o.key()))) {
                    continue;
                }
                if (o.lastModified() != null && o.lastModified().isAfter(settledBefore)) {
                    continue;
                }
                reported.put(o.key(), etag);
                if (!handled.test(o)) {
                    onUpload.accept(o.key());
                    n++;
                }
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        reported.keySet().retainAll(present);
        return n;
    }
}
