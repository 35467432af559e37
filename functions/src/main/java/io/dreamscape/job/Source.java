package io.dreamscape.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The uploaded object a job dreams on. {@code key} is decoded (EventBridge delivers it URL-encoded). {@code etag} is
 * without quotes; {@code versionId} is null when the bucket is not versioned.
 */
public record Source(String bucket, String key, String versionId, String etag, long size) {

    /**
     * The idempotency key: SHA-256 of bucket, key and ETag (the version id only when no ETag is known). A duplicated
     * event and a re-upload of identical bytes (same ETag, new version) map to the same key, so only one job runs.
     */
    public String contentKey() {
        String revision = etag != null && !etag.isBlank() ? "etag:" + etag : "version:" + versionId;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] h = sha.digest((bucket + "\n" + key + "\n" + revision).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
