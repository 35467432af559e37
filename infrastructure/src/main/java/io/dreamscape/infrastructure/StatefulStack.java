package io.dreamscape.infrastructure;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * What must survive a redeploy or a teardown of the compute: the bucket (uploads, outputs) and the jobs table. Both are
 * retained when the stack is deleted (see the README's teardown section).
 */
public final class StatefulStack extends Stack {

    /** Temporaries under {@code jobs/} (plan, shard results, checkpoints) expire after this many days. */
    public static final int JOB_TEMPORARIES_DAYS = 14;
    /**
     * Table layout: the same as {@code io.dreamscape.aws.DynamoProgressStore#createTable} in the functions module (job
     * items {@code pk = job#<id>}, idempotency claims {@code pk = claim#<contentKey>}).
     */
    public static final String PARTITION_KEY = "pk";
    public static final String BY_CREATED = "byCreated";
    public static final String BY_SOURCE = "bySource";

    private final Bucket bucket;
    private final Table table;

    public StatefulStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
        this.bucket = createBucket();
        this.table = createTable();
        // eventBridgeEnabled is applied by CDK's own bucket-notifications custom resource (a singleton Lambda).
        NagSuppressions.addResourceSuppressionsByPath(this,
                "/" + id + "/BucketNotificationsHandler050a0587b7544547bf325f094a3db834/Role/Resource",
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-IAM4")
                        .reason("CDK's bucket-notifications handler runs once per deploy and only writes its logs "
                                + "with AWSLambdaBasicExecutionRole.")
                        .build(),
                        NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("s3:PutBucketNotification is granted by CDK on Resource * for its handler.")
                        .build()));
        CfnOutput.Builder.create(this, "BucketName")
                .description("Upload images to s3://<this>/uploads/ to start a render")
                .value(bucket.getBucketName())
                .build();
        CfnOutput.Builder.create(this, "TableName").value(table.getTableName()).build();
    }

    private Bucket createBucket() {
        Bucket b = Bucket.Builder.create(this, "Images")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .encryption(BucketEncryption.S3_MANAGED)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                // "Object Created" events go to EventBridge, where the compute stack's rule filters them.
                .eventBridgeEnabled(true)
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .id("expire-job-temporaries")
                                .prefix("jobs/")
                                .expiration(Duration.days(JOB_TEMPORARIES_DAYS))
                                .build(),
                        LifecycleRule.builder()
                                .id("abort-incomplete-multipart-uploads")
                                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                                .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        NagSuppressions.addResourceSuppressions(b, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-S1")
                .reason("Server access logs would need a second bucket and cost per request; who uploads and reads is "
                        + "visible in CloudTrail (data events can be enabled per account), and every job is recorded "
                        + "in the jobs table.")
                .build()));
        return b;
    }

    private Table createTable() {
        Table t = Table.Builder.create(this, "Jobs")
                .partitionKey(Attribute.builder().name(PARTITION_KEY).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .encryption(TableEncryption.AWS_MANAGED)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        // Recent jobs, newest first (listPk is always "jobs"; listSk = createdAt#jobId).
        t.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(BY_CREATED)
                .partitionKey(Attribute.builder().name("listPk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("listSk").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL)
                .build());
        // The jobs of one upload key (GET /jobs?key=uploads/...).
        t.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(BY_SOURCE)
                .partitionKey(Attribute.builder().name("sourceKey").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("listSk").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL)
                .build());
        return t;
    }

    public IBucket getBucket() {
        return bucket;
    }

    public ITable getTable() {
        return table;
    }
}
