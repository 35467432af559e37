package io.dreamscape.aws;

import io.dreamscape.job.Source;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The object store on one S3 bucket. */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public Optional<ObjectInfo> head(String key, String versionId) throws IOException {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key).versionId(versionId));
            return Optional.of(new ObjectInfo(key, r.contentLength() == null ? 0 : r.contentLength(),
                    Source.unquoteEtag(r.eTag()), r.versionId(), lower(r.metadata())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw io(e, key);
        } catch (SdkException e) {
            throw io(e, key);
        }
    }

    @Override
    public byte[] getRange(String key, String versionId, long offset, int length) throws IOException {
        if (length <= 0) {
            return new byte[0];
        }
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key)
                    .versionId(versionId).range("bytes=" + offset + "-" + (offset + length - 1)).build());
            byte[] bytes = r.asByteArray();
            // A server that ignores Range sends everything: keep the asked window only.
            if (bytes.length > length) {
                byte[] cut = new byte[length];
                System.arraycopy(bytes, (int) Math.min(offset, bytes.length - length), cut, 0, length);
                return cut;
            }
            return bytes;
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return new byte[0];
            }
            throw io(e, key);
        } catch (SdkException e) {
            throw io(e, key);
        }
    }

    @Override
    public InputStream open(String key, String versionId) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key).versionId(versionId));
        } catch (SdkException e) {
            throw io(e, key);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw io(e, key);
        }
    }

    @Override
    public void putFile(String key, Path file, String contentType) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw io(e, key);
        }
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        Duration checked = ObjectStore.checkTtl(ttl);
        return URI.create(presigner.presignGetObject(p -> p.signatureDuration(checked)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
    }


    private static Map<String, String> lower(Map<String, String> m) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (m != null) m.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }

    private IOException io(SdkException e, String key) {
        return new IOException("S3 s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
}
