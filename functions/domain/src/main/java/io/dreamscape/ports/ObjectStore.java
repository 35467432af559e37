package io.dreamscape.ports;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The one bucket Dreamscape works in (see {@link io.dreamscape.job.StorageLayout} for the keys). Implemented on S3 by
 * {@code io.dreamscape.aws.S3ObjectStore} and by local mode on its embedded store. {@code versionId} arguments may be
 * null (latest version).
 */
public interface ObjectStore {
    /** Presigned URLs never live longer than this. */
    Duration MAX_PRESIGN = Duration.ofHours(1);

    /** What a HEAD returns. {@code metadata} holds user metadata with lowercase names and no {@code x-amz-meta-} prefix. */
    record ObjectInfo(String key, long size, String etag, String versionId, Map<String, String> metadata) {
        public ObjectInfo {
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        }
    }

    String bucket();

    Optional<ObjectInfo> head(String key, String versionId) throws IOException;

    default Optional<ObjectInfo> head(String key) throws IOException {
        return head(key, null);
    }

    /** Up to {@code length} bytes from {@code offset} (fewer at the end of the object). */
    byte[] getRange(String key, String versionId, long offset, int length) throws IOException;

    /** The whole object as a stream; the caller closes it. */
    InputStream open(String key, String versionId) throws IOException;

    default InputStream open(String key) throws IOException {
        return open(key, null);
    }

    default byte[] getBytes(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    void put(String key, byte[] bytes, String contentType) throws IOException;

    void putFile(String key, Path file, String contentType) throws IOException;

    /**
     * A URL that lets anyone GET the object until it expires. {@code ttl} must be positive and at most
     * {@link #MAX_PRESIGN}; implementations refuse longer.
     */
    URI presignGet(String key, Duration ttl);

    static Duration checkTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_PRESIGN) > 0) {
            throw new IllegalArgumentException("presigned URLs live between 1 second and 1 hour; asked for " + ttl);
        }
        return ttl;
    }
}
