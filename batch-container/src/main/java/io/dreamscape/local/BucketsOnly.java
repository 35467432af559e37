package io.dreamscape.local;

import java.io.InputStream;
import java.util.List;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.CreateBucketResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetBucketAclRequest;
import software.amazon.awssdk.services.s3.model.GetBucketAclResponse;
import software.amazon.awssdk.services.s3.model.GetBucketVersioningRequest;
import software.amazon.awssdk.services.s3.model.GetBucketVersioningResponse;
import software.amazon.awssdk.services.s3.model.GetObjectAclRequest;
import software.amazon.awssdk.services.s3.model.GetObjectAclResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListBucketsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutBucketVersioningRequest;
import software.amazon.awssdk.services.s3.model.PutBucketVersioningResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The filesystem store is rooted at the data folder, so its sub-folders are buckets; this keeps local mode's own
 * state folder ({@code .dreamscape/}: job database, its password, scratch) and any other dot-folder out of the S3
 * endpoint: not listed, and every request naming it gets NoSuchBucket.
 */
final class BucketsOnly extends ForwardingBlobStore {
    BucketsOnly(BlobStore delegate) {
        super(delegate);
    }

    private static String check(String bucket) {
        if (bucket == null || bucket.startsWith(".")) {
            throw S3Exceptions.noSuchBucket(bucket, "The specified bucket does not exist");
        }
        return bucket;
    }

    @Override
    public ListBucketsResponse list() {
        ListBucketsResponse r = super.list();
        return r.toBuilder().buckets(r.buckets().stream().filter(b -> !b.name().startsWith(".")).toList()).build();
    }

    @Override
    public ListObjectsV2Response list(ListObjectsV2Request request) {
        check(request.bucket());
        return super.list(request);
    }

    @Override
    public HeadBucketResponse headBucket(HeadBucketRequest request) {
        check(request.bucket());
        return super.headBucket(request);
    }

    @Override
    public CreateBucketResponse createContainer(CreateBucketRequest request) {
        check(request.bucket());
        return super.createContainer(request);
    }

    @Override
    public BucketCannedACL getContainerAccess(String container) {
        return super.getContainerAccess(check(container));
    }

    @Override
    public GetBucketAclResponse getContainerAcl(GetBucketAclRequest request) {
        check(request.bucket());
        return super.getContainerAcl(request);
    }

    @Override
    public void setContainerAccess(String container, BucketCannedACL access) {
        super.setContainerAccess(check(container), access);
    }

    @Override
    public void clearContainer(ListObjectsV2Request request) {
        check(request.bucket());
        super.clearContainer(request);
    }

    @Override
    public void deleteContainer(String container) {
        super.deleteContainer(check(container));
    }

    @Override
    public void deleteBucket(String container) {
        super.deleteBucket(check(container));
    }

    @Override
    public boolean blobExists(String container, String name) {
        return super.blobExists(check(container), name);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        check(request.bucket());
        return super.putBlob(request, input);
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        check(request.sourceBucket());
        check(request.destinationBucket());
        return super.copyBlob(request);
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        check(request.bucket());
        return super.blobMetadata(request);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        check(request.bucket());
        return super.getBlob(request);
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        check(request.bucket());
        return super.removeBlob(request);
    }

    @Override
    public GetBucketVersioningResponse getBucketVersioning(GetBucketVersioningRequest request) {
        check(request.bucket());
        return super.getBucketVersioning(request);
    }

    @Override
    public PutBucketVersioningResponse putBucketVersioning(PutBucketVersioningRequest request) {
        check(request.bucket());
        return super.putBucketVersioning(request);
    }

    @Override
    public ListObjectVersionsResponse listVersions(ListObjectVersionsRequest request) {
        check(request.bucket());
        return super.listVersions(request);
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String name) {
        return super.getBlobAccess(check(container), name);
    }

    @Override
    public ObjectCannedACL getBlobAccess(String container, String name, String versionId) {
        return super.getBlobAccess(check(container), name, versionId);
    }

    @Override
    public GetObjectAclResponse getBlobAcl(GetObjectAclRequest request) {
        check(request.bucket());
        return super.getBlobAcl(request);
    }

    @Override
    public void setBlobAccess(String container, String name, ObjectCannedACL access) {
        super.setBlobAccess(check(container), name, access);
    }

    @Override
    public void setBlobAccess(String container, String name, ObjectCannedACL access, String versionId) {
        super.setBlobAccess(check(container), name, access, versionId);
    }

    @Override
    public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
        check(request.bucket());
        return super.initiateMultipartUpload(request);
    }

    @Override
    public List<software.amazon.awssdk.services.s3.model.MultipartUpload> listMultipartUploads(String container) {
        return super.listMultipartUploads(check(container));
    }
}
