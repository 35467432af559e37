package io.dreamscape.local;

import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The {@link ObjectStore} port of local mode: the embedded S3 endpoint's own blob store, called in process (the
 * services and the worker never go through HTTP here). Writes go through the same upload hook as S3 requests, so an
 * object written here under {@code uploads/} is an upload like any other. Presigned URLs point at the local web server
 * ({@code /files/...}, HMAC-signed, expiring), see {@link UrlSigner}.
 */
public final class LocalObjectStore implements ObjectStore {
    private final BlobStore blobs;
    private final String bucket;
    private final BiFunction<String, Duration, URI> presigner;
    private final Map<String, String[]> computed = new ConcurrentHashMap<>();
    private final ParameterOverrides siteDefaults;

    public LocalObjectStore(BlobStore blobs, String bucket, BiFunction<String, Duration, URI> presigner) {
        this(blobs, bucket, presigner, null);
    }

    /**
     * {@code siteDefaults}: local mode's own default parameters ({@code --model}, {@code --params}), kept here only so
     * the page's routes can show them and lay uploads over them ({@link io.dreamscape.job.ParameterLayers}). This store
     * returns each object's metadata as stored; it never merges parameters into it.
     */
    public LocalObjectStore(BlobStore blobs, String bucket, BiFunction<String, Duration, URI> presigner,
                            ParameterOverrides siteDefaults) {
        this.blobs = blobs;
        this.bucket = bucket;
        this.presigner = presigner;
        this.siteDefaults = siteDefaults == null ? ParameterOverrides.NONE : siteDefaults;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public Optional<ObjectInfo> head(String key, String versionId) throws IOException {
        try {
            HeadObjectResponse r = blobs.blobMetadataIfPresent(HeadObjectRequest.builder().bucket(bucket).key(key)
                    .versionId(versionId).build());
            if (r == null) {
                return Optional.empty();
            }
            long size = r.contentLength() == null ? 0 : r.contentLength();
            String etag = Source.unquoteEtag(r.eTag());
            if (etag == null || etag.isEmpty()) {
                etag = computedEtag(key, versionId, size + "/" + r.lastModified());
            }
            return Optional.of(new ObjectInfo(key, size, etag, r.versionId(), lower(r.metadata())));
        } catch (RuntimeException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw io(e, key);
        }
    }

    /**
     * A file copied straight into the bucket folder has no stored ETag; give it the one S3 gives a single-part upload
     * (the MD5 of the bytes), so the idempotency key tells different files apart and matches a later S3 upload of the
     * same bytes. Cached while the file's size and modification time stay the same.
     */
    private String computedEtag(String key, String versionId, String stamp) throws IOException {
        String[] cached = computed.get(key);
        if (cached != null && cached[0].equals(stamp)) {
            return cached[1];
        }
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(open(key, versionId), md5)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String etag = HexFormat.of().formatHex(md5.digest());
        computed.put(key, new String[] {stamp, etag});
        return etag;
    }

    @Override
    public byte[] getRange(String key, String versionId, long offset, int length) throws IOException {
        if (length <= 0) {
            return new byte[0];
        }
        Optional<ObjectInfo> info = head(key, versionId);
        if (info.isEmpty()) {
            throw new IOException("local store: no object " + key);
        }
        if (offset >= info.get().size()) {
            return new byte[0];
        }
        long last = Math.min(info.get().size(), offset + length) - 1;
        try (InputStream in = get(GetObjectRequest.builder().bucket(bucket).key(key).versionId(versionId)
                .range("bytes=" + offset + "-" + last).build(), key)) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length > length) { // a store that ignored the range sent everything
                byte[] cut = new byte[length];
                System.arraycopy(bytes, (int) Math.min(offset, bytes.length - length), cut, 0, length);
                return cut;
            }
            return bytes;
        }
    }

    @Override
    public InputStream open(String key, String versionId) throws IOException {
        return get(GetObjectRequest.builder().bucket(bucket).key(key).versionId(versionId).build(), key);
    }

    private InputStream get(GetObjectRequest request, String key) throws IOException {
        try {
            ResponseInputStream<GetObjectResponse> in = blobs.getBlob(request);
            if (in == null) {
                throw new IOException("local store: no object " + key);
            }
            return in;
        } catch (RuntimeException e) {
            throw io(e, key);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            blobs.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                    .contentLength((long) bytes.length).build(), in);
        } catch (RuntimeException e) {
            throw io(e, key);
        }
    }

    @Override
    public void putFile(String key, Path file, String contentType) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            blobs.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                    .contentLength(Files.size(file)).build(), in);
        } catch (RuntimeException e) {
            throw io(e, key);
        }
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        return presigner.apply(key, ObjectStore.checkTtl(ttl));
    }

    /** Local mode's default parameters for uploads ({@link ParameterOverrides#NONE} for none). */
    public ParameterOverrides siteDefaults() {
        return siteDefaults;
    }

    private static Map<String, String> lower(Map<String, String> m) {
        Map<String, String> out = new HashMap<>();
        if (m != null) m.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }

    private static boolean isMissing(RuntimeException e) {
        String name = e.getClass().getSimpleName();
        return name.contains("NoSuchKey") || name.contains("NotFound")
                || (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a && a.statusCode() == 404);
    }

    private IOException io(RuntimeException e, String key) {
        return new IOException("local store " + bucket + "/" + key + ": " + e.getMessage(), e);
    }
}
