package io.dreamscape.local;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The keys local mode's folder store can hold one-to-one. S3 allows keys of up to 1024 bytes with any segments, but a
 * key is a path here: a segment over 255 bytes is a file name the filesystem refuses (the S3 endpoint answered 500),
 * and {@code uploads/./x.jpg} or {@code uploads//x.jpg} are the file {@code uploads/x.jpg} under another name (it
 * made a second job for the same file). Writes of such keys get S3's own errors: 400 KeyTooLong, 400 InvalidArgument;
 * reads get 404 NoSuchKey, since no object can be stored under them.
 */
final class KeyRules extends ForwardingBlobStore {
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_SEGMENT_BYTES = 255;

    KeyRules(BlobStore delegate) {
        super(delegate);
    }

    /** Why {@code key} cannot be stored, or null when it can. */
    static String problem(String key) {
        if (key == null || key.isEmpty()) return null; // bucket-level requests
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "the key is longer than " + MAX_KEY_BYTES + " bytes";
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "a part of the key between slashes is longer than " + MAX_SEGMENT_BYTES + " bytes (a file name here)";
            }
            boolean last = i == segments.length - 1;
            if ((s.isEmpty() && !last) || s.equals(".") || s.equals("..")) {
                return "the key has an empty, '.' or '..' part between slashes; here it would name the same file as "
                        + "another key: write it without them";
            }
        }
        return null;
    }

    private static void checkWrite(String key) {
        String p = problem(key);
        if (p == null) return;
        boolean tooLong = p.startsWith("the key is longer") || p.startsWith("a part of the key");
        String code = tooLong ? "KeyTooLong" : "InvalidArgument";
        String message = (tooLong ? "Your key is too long: " : "Invalid key: ") + p;
        throw (S3Exception) S3Exception.builder().message(message).statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                        .sdkHttpResponse(SdkHttpResponse.builder().statusCode(400).build()).build())
                .build();
    }

    private static void checkRead(String bucket, String key) {
        if (problem(key) != null) {
            throw S3Exceptions.noSuchKey(bucket, key, "The specified key does not exist.");
        }
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        checkWrite(request.key());
        return super.putBlob(request, input);
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        checkWrite(request.destinationKey());
        checkRead(request.sourceBucket(), request.sourceKey());
        return super.copyBlob(request);
    }

    @Override
    public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
        checkWrite(request.key());
        return super.initiateMultipartUpload(request);
    }

    @Override
    public boolean blobExists(String container, String name) {
        return problem(name) == null && super.blobExists(container, name);
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        checkRead(request.bucket(), request.key());
        return super.blobMetadata(request);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        checkRead(request.bucket(), request.key());
        return super.getBlob(request);
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        checkRead(request.bucket(), request.key());
        return super.removeBlob(request);
    }
}
