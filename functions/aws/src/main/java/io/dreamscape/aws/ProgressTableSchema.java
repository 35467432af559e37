package io.dreamscape.aws;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The progress table's layout (the CDK stack, {@code StatefulStack}, creates the same in AWS):
 * <ul>
 *   <li>partition key {@code pk} (String), no sort key; on-demand billing.</li>
 *   <li>job items: {@code pk = "job#" + jobId}; claim items (idempotency): {@code pk = "claim#" + contentKey}.</li>
 *   <li>GSI {@code byCreated}: partition {@code listPk} (String, always {@code "jobs"}), sort {@code listSk} (String,
 *   {@code createdAt + "#" + jobId}), projection ALL: recent jobs newest first.</li>
 *   <li>GSI {@code bySource}: partition {@code sourceKey} (String), sort {@code listSk}, projection ALL: jobs of one
 *   upload key.</li>
 * </ul>
 * Per-shard counters are top-level number attributes {@code shard#i} (work units) and {@code octave#i}.
 */
final class ProgressTableSchema {
    static final String BY_CREATED = "byCreated";
    static final String BY_SOURCE = "bySource";
    /** The one partition of {@link #BY_CREATED}: every job. */
    static final String LIST_PK = "jobs";

    private ProgressTableSchema() {
    }

    static String jobKey(io.dreamscape.job.JobId id) {
        return "job#" + id.value();
    }

    static String claimKey(String contentKey) {
        return "claim#" + contentKey;
    }

    static String shardCounter(int shard) {
        return "shard#" + shard;
    }

    static String shardOctave(int shard) {
        return "octave#" + shard;
    }

    /** Creates the table and waits until it is ACTIVE (tests and local experiments; the CDK stack owns it in AWS). */
    static void create(DynamoDbClient db, String table) {
        ProvisionedThroughput tp = ProvisionedThroughput.builder().readCapacityUnits(5L).writeCapacityUnits(5L).build();
        db.createTable(CreateTableRequest.builder()
                .tableName(table)
                .attributeDefinitions(attr("pk"), attr("listPk"), attr("listSk"), attr("sourceKey"))
                .keySchema(key("pk", KeyType.HASH))
                .provisionedThroughput(tp)
                .globalSecondaryIndexes(index(BY_CREATED, "listPk", tp), index(BY_SOURCE, "sourceKey", tp))
                .build());
        // A wait, not a timestamp: the monotonic clock, so no store reads the wall clock behind its Clock's back.
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (db.describeTable(b -> b.tableName(table)).table().tableStatus() != TableStatus.ACTIVE) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("table " + table + " did not become ACTIVE");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static GlobalSecondaryIndex index(String name, String partition, ProvisionedThroughput tp) {
        return GlobalSecondaryIndex.builder().indexName(name)
                .keySchema(key(partition, KeyType.HASH), key("listSk", KeyType.RANGE))
                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                .provisionedThroughput(tp).build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
