package io.dreamscape.aws;

import static io.dreamscape.aws.JobItem.json;
import static io.dreamscape.aws.JobItem.n;
import static io.dreamscape.aws.JobItem.s;
import static io.dreamscape.aws.JobItem.str;
import static io.dreamscape.aws.JobItem.time;
import static io.dreamscape.aws.ProgressTableSchema.claimKey;
import static io.dreamscape.aws.ProgressTableSchema.jobKey;
import static io.dreamscape.aws.ProgressTableSchema.shardCounter;
import static io.dreamscape.aws.ProgressTableSchema.shardOctave;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.StateChange;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.ports.WorkReport;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The progress store on DynamoDB. Only single-item operations that both DynamoDB and dynalite support: conditional
 * puts and updates, atomic {@code ADD}, queries on global secondary indexes (no transactions, TTL, PartiQL, streams).
 * The table layout is {@link ProgressTableSchema}'s, the item format {@link JobItem}'s. The rules (which state changes,
 * how work counts) are the job model's ({@link StateChange}, {@link WorkReport}); this class renders them into
 * condition expressions, so they hold atomically however many Lambdas and workers write at once.
 */
public final class DynamoProgressStore implements ProgressStore {
    private final DynamoDbClient db;
    private final String table;
    private final Clock clock;

    /** On the system clock (the Lambdas' and workers'). */
    public DynamoProgressStore(DynamoDbClient db, String table) {
        this(db, table, Clock.systemUTC());
    }

    /** {@code clock} stamps {@code updatedAt} and claims. */
    public DynamoProgressStore(DynamoDbClient db, String table, Clock clock) {
        this.db = db;
        this.table = table;
        this.clock = clock;
    }

    /** Creates the table as {@link ProgressTableSchema} says (tests and local experiments; the CDK stack owns it). */
    public static void createTable(DynamoDbClient db, String table) {
        ProgressTableSchema.create(db, table);
    }

    // ---------------------------------------------------------------- claims

    @Override
    public Claim claim(String contentKey, JobId candidate, String executionId) throws IOException {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(claimKey(contentKey)));
        item.put("jobId", s(candidate.value()));
        item.put("createdAt", s(time(clock.instant())));
        if (executionId != null) {
            item.put("executionId", s(executionId));
        }
        try {
            db.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            return new Claim(candidate, true, executionId);
        } catch (ConditionalCheckFailedException taken) {
            Map<String, AttributeValue> existing = getItem(claimKey(contentKey));
            if (existing == null) {
                throw new IOException("claim for " + contentKey + " vanished");
            }
            return new Claim(JobId.of(existing.get("jobId").s()), false, str(existing, "executionId"));
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public Optional<JobId> claimed(String contentKey) throws IOException {
        return find(claimKey(contentKey)).map(existing -> JobId.of(existing.get("jobId").s()));
    }

    // ---------------------------------------------------------------- jobs

    @Override
    public boolean create(Job job) throws IOException {
        try {
            db.putItem(b -> b.tableName(table).item(JobItem.of(job)).conditionExpression("attribute_not_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException exists) {
            return false;
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public Optional<Job> get(JobId id) throws IOException {
        Optional<Map<String, AttributeValue>> item = find(jobKey(id));
        return item.isEmpty() ? Optional.empty() : Optional.of(JobItem.toJob(item.get()));
    }

    /** The patch's fields as SETs; {@link StateChange#allowedFrom()} as the condition. */
    @Override
    public boolean change(JobId id, StateChange change) throws IOException {
        if (change.allowedFrom().isEmpty()) {
            return false;
        }
        ItemUpdate u = new ItemUpdate();
        u.set("state", s(change.to().name()));
        u.set("updatedAt", s(time(clock.instant())));
        JobPatch p = change.patch();
        if (p.format() != null) u.set("format", s(p.format()));
        if (p.width() != null) u.set("width", n(p.width()));
        if (p.height() != null) u.set("height", n(p.height()));
        if (p.parameters() != null) u.set("params", s(json(p.parameters())));
        if (p.totalWork() != null) u.set("totalWork", n(p.totalWork()));
        if (p.shardWork() != null) u.set("shardWork", s(json(p.shardWork())));
        if (p.estimate() != null) u.set("estimate", s(json(p.estimate())));
        if (p.outputKey() != null) u.set("outputKey", s(p.outputKey()));
        if (p.previewKey() != null) u.set("previewKey", s(p.previewKey()));
        if (p.thumbKey() != null) u.set("thumbKey", s(p.thumbKey()));
        if (p.error() != null) u.set("error", s(p.error()));
        return run(u.request(table, jobKey(id), u.existsInState(change.allowedFrom())));
    }

    /** {@link JobState#acceptingWork()} as the condition; an exactly-once report also names the counter it expects. */
    @Override
    public boolean count(JobId id, WorkReport report) throws IOException {
        ItemUpdate u = workUpdate(report);
        String shard = u.name(shardCounter(report.shard()));
        String accepting = u.existsInState(JobState.acceptingWork());
        if (report.expected() == null) {
            u.add(shardCounter(report.shard()), u.value(n(report.units())));
            return run(u.request(table, jobKey(id), accepting));
        }
        // Conditional on the shard's counter still being what the writer expects: the SDK retries an UpdateItem whose
        // answer was lost, and a plain ADD would then count the same units twice.
        u.set(shardCounter(report.shard()), n(report.countAfter()));
        String expected = u.value(n(report.expected()));
        String counter = report.expected() == 0  // an absent counter is a counter at 0
                ? "(attribute_not_exists(" + shard + ") OR " + shard + " = " + expected + ")"
                : shard + " = " + expected;
        if (run(u.request(table, jobKey(id), accepting + " AND " + counter))) {
            return true;
        }
        // Refused: already applied (a retried request), the job stopped, or another writer moved the counter.
        return report.answerRefusal(id, get(id), shardWorkDone(id, report.shard()));
    }

    /** What every counted report writes besides the shard's counter (see {@link WorkReport#applyTo}). */
    private ItemUpdate workUpdate(WorkReport report) {
        ItemUpdate u = new ItemUpdate();
        u.add("workDone", u.value(n(report.units())));
        String hb = u.value(s(time(report.heartbeat())));
        u.setExpr("heartbeatAt", hb);
        u.setExpr("startedAt", "if_not_exists(" + u.name("startedAt") + ", " + hb + ")");
        u.set("updatedAt", s(time(clock.instant())));
        u.set("state", s(WorkReport.MOVES_TO.name()));
        if (report.octave() != null) {
            u.set(shardOctave(report.shard()), n(report.octave()));
        }
        return u;
    }

    @Override
    public long shardWorkDone(JobId id, int shard) throws IOException {
        try {
            GetItemResponse r = db.getItem(b -> b.tableName(table).key(Map.of("pk", s(jobKey(id)))).consistentRead(true)
                    .projectionExpression("#s").expressionAttributeNames(Map.of("#s", shardCounter(shard))));
            if (!r.hasItem() || r.item().isEmpty()) {
                return 0;
            }
            AttributeValue v = r.item().get(shardCounter(shard));
            return v == null ? 0 : Long.parseLong(v.n());
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public Page list(String sourceKey, int limit, String cursor) throws IOException {
        ProgressStore.checkLimit(limit);
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).scanIndexForward(false).limit(limit);
        if (sourceKey != null && !sourceKey.isEmpty()) {
            q.indexName(ProgressTableSchema.BY_SOURCE).keyConditionExpression("sourceKey = :k")
                    .expressionAttributeValues(Map.of(":k", s(sourceKey)));
        } else {
            q.indexName(ProgressTableSchema.BY_CREATED).keyConditionExpression("listPk = :k")
                    .expressionAttributeValues(Map.of(":k", s(ProgressTableSchema.LIST_PK)));
        }
        if (cursor != null && !cursor.isEmpty()) {
            q.exclusiveStartKey(ListCursor.decode(cursor));
        }
        try {
            QueryResponse r = db.query(q.build());
            List<Job> jobs = new ArrayList<>();
            for (Map<String, AttributeValue> item : r.items()) {
                jobs.add(JobItem.toJob(item));
            }
            String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
                    ? ListCursor.encode(r.lastEvaluatedKey()) : null;
            return new Page(jobs, next);
        } catch (SdkException e) {
            throw io(e);
        }
    }

    // ---------------------------------------------------------------- plumbing

    /** Runs a conditional update: false when its condition refused it. */
    private boolean run(UpdateItemRequest request) throws IOException {
        try {
            db.updateItem(request);
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw io(e);
        }
    }

    private Map<String, AttributeValue> getItem(String pk) {
        GetItemResponse r = db.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk))).consistentRead(true));
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    /** One item by key, read consistently; the SDK's failure as an IOException. */
    private Optional<Map<String, AttributeValue>> find(String pk) throws IOException {
        try {
            return Optional.ofNullable(getItem(pk));
        } catch (SdkException e) {
            throw io(e);
        }
    }

    private static IOException io(SdkException e) {
        return new IOException("DynamoDB: " + e.getMessage(), e);
    }
}
