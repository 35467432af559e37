package io.dreamscape.local;

import io.dreamscape.job.StorageLayout;
import java.io.InputStream;
import java.util.function.Consumer;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The embedded store's equivalent of the S3 "Object Created" event: after a put, a copy or a completed multipart
 * upload under {@code uploads/} of the watched bucket has been stored, tells {@code onUpload} its key.
 */
final class UploadHook extends ForwardingBlobStore {
    private final String bucket;
    private final Consumer<String> onUpload;

    UploadHook(BlobStore delegate, String bucket, Consumer<String> onUpload) {
        super(delegate);
        this.bucket = bucket;
        this.onUpload = onUpload;
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        PutObjectResponse r = super.putBlob(request, input);
        created(request.bucket(), request.key());
        return r;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        CopyObjectResponse r = super.copyBlob(request);
        created(request.destinationBucket(), request.destinationKey());
        return r;
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload, CompleteMultipartUploadRequest request) {
        CompleteMultipartUploadResponse r = super.completeMultipartUpload(upload, request);
        created(upload.containerName(), upload.blobName());
        return r;
    }

    private void created(String container, String key) {
        if (bucket.equals(container) && key != null && key.startsWith(StorageLayout.UPLOADS)) {
            onUpload.accept(key);
        }
    }
}
