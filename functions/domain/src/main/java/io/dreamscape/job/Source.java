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

    /** An ETag as S3 and EventBridge spell it, with or without the surrounding quotes, without them; null stays null. */
    public static String unquoteEtag(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }

    /** Whether the object now at the key (ETag {@code current}) is still this upload; unknown ETags count as the same. */
    public boolean sameRevisionAs(String current) {
        return etag == null || current == null || unquoteEtag(etag).equals(unquoteEtag(current));
    }

    /**
     * The idempotency key of these bytes alone: SHA-256 of bucket, key and ETag (the version id only when no ETag is
     * known). Used where the parameters cannot be known (the object store is unreachable); uploads are keyed by
     * {@link #contentKey(String)}.
     */
    public String contentKey() {
        return contentKey(null);
    }

    /**
     * The idempotency key: SHA-256 of bucket, key, ETag (the version id only when no ETag is known) and the effective
     * parameters the bytes would be dreamed with ({@code parameters}, canonical JSON; null for none). A duplicated
     * event and a re-upload of identical bytes with the same parameters (same ETag, new version) map to the same key,
     * so only one job runs; the same bytes with other parameters are another job.
     */
    public String contentKey(String parameters) {
        String revision = etag != null && !etag.isBlank() ? "etag:" + etag : "version:" + versionId;
        String text = bucket + "\n" + key + "\n" + revision + (parameters == null ? "" : "\nparameters:" + parameters);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] h = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
