package io.dreamscape.infrastructure;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.s3.IBucket;

/**
 * Object grants on the data stack's bucket, per key prefix: the narrowest scope for keys only known at run time
 * (the stack-wide AwsSolutions-IAM5 suppression in {@link ComputeStack} names exactly these prefixes).
 */
record BucketAccess(IBucket bucket) {

    /**
     * Read access under the key prefixes, plus s3:ListBucket on the bucket: without it S3 answers a HEAD or GET of a
     * missing key with 403 instead of 404, and the code asks "does it exist yet?" on purpose (Plan's idempotency,
     * Assemble's missing-shard check, the worker's checkpoints). A prefix condition cannot narrow it: HEAD requests
     * carry no s3:prefix. It reveals key names only, never contents.
     */
    void read(IGrantable grantee, String... prefixes) {
        grant(grantee, List.of("s3:GetObject", "s3:GetObjectVersion"), prefixes);
        grantee.getGrantPrincipal().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .build());
    }

    void write(IGrantable grantee, String... prefixes) {
        grant(grantee, List.of("s3:PutObject", "s3:AbortMultipartUpload"), prefixes);
    }

    void grant(IGrantable grantee, List<String> actions, String... prefixes) {
        List<String> resources = new ArrayList<>();
        for (String prefix : prefixes) {
            resources.add(bucket.arnForObjects(prefix));
        }
        grantee.getGrantPrincipal().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources)
                .build());
    }
}
