package io.dreamscape.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The progress store on DynamoDB. Only single-item operations that both DynamoDB and dynalite support: conditional
 * puts and updates, atomic {@code ADD}, queries on global secondary indexes (no transactions, TTL, PartiQL, streams).
 *
 * <p><b>Table schema</b> (the CDK stack creates the same):
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
public final class DynamoProgressStore implements ProgressStore {
    public static final String BY_CREATED = "byCreated";
    public static final String BY_SOURCE = "bySource";
    private static final String LIST_PK = "jobs";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final DynamoDbClient db;
    private final String table;

    public DynamoProgressStore(DynamoDbClient db, String table) {
        this.db = db;
        this.table = table;
    }

    /** Creates the table as documented above (tests and local experiments; the CDK stack owns it in AWS). */
    public static void createTable(DynamoDbClient db, String table) {
        ProvisionedThroughput tp = ProvisionedThroughput.builder().readCapacityUnits(5L).writeCapacityUnits(5L).build();
        db.createTable(CreateTableRequest.builder()
                .tableName(table)
                .attributeDefinitions(attr("pk"), attr("listPk"), attr("listSk"), attr("sourceKey"))
                .keySchema(key("pk", KeyType.HASH))
                .provisionedThroughput(tp)
                .globalSecondaryIndexes(
                        GlobalSecondaryIndex.builder().indexName(BY_CREATED)
                                .keySchema(key("listPk", KeyType.HASH), key("listSk", KeyType.RANGE))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                                .provisionedThroughput(tp).build(),
                        GlobalSecondaryIndex.builder().indexName(BY_SOURCE)
                                .keySchema(key("sourceKey", KeyType.HASH), key("listSk", KeyType.RANGE))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                                .provisionedThroughput(tp).build())
                .build());
        long deadline = System.currentTimeMillis() + 120_000;
        while (db.describeTable(b -> b.tableName(table)).table().tableStatus() != TableStatus.ACTIVE) {
            if (System.currentTimeMillis() > deadline) {
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

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    // ---------------------------------------------------------------- claims

    @Override
    public Claim claim(String contentKey, JobId candidate, String executionId) throws IOException {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s("claim#" + contentKey));
        item.put("jobId", s(candidate.value()));
        item.put("createdAt", s(TIME.format(Instant.now())));
        if (executionId != null) {
            item.put("executionId", s(executionId));
        }
        try {
            db.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            return new Claim(candidate, true, executionId);
        } catch (ConditionalCheckFailedException taken) {
            Map<String, AttributeValue> existing = getItem("claim#" + contentKey);
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
        try {
            Map<String, AttributeValue> existing = getItem("claim#" + contentKey);
            return existing == null ? Optional.empty() : Optional.of(JobId.of(existing.get("jobId").s()));
        } catch (SdkException e) {
            throw io(e);
        }
    }

    // ---------------------------------------------------------------- jobs

    @Override
    public boolean create(Job job) throws IOException {
        Map<String, AttributeValue> item = new HashMap<>();
        String created = TIME.format(job.createdAt());
        item.put("pk", s(pk(job.jobId())));
        item.put("jobId", s(job.jobId().value()));
        item.put("contentKey", s(job.contentKey()));
        item.put("listPk", s(LIST_PK));
        item.put("listSk", s(created + "#" + job.jobId()));
        item.put("sourceKey", s(job.source().key()));
        item.put("srcBucket", s(job.source().bucket()));
        if (job.source().versionId() != null) item.put("srcVersion", s(job.source().versionId()));
        if (job.source().etag() != null) item.put("srcEtag", s(job.source().etag()));
        item.put("srcSize", n(job.source().size()));
        item.put("state", s(job.state().name()));
        item.put("createdAt", s(created));
        item.put("updatedAt", s(TIME.format(job.updatedAt())));
        if (job.outputName() != null) item.put("outputName", s(job.outputName()));
        item.put("totalWork", n(job.totalWork()));
        item.put("workDone", n(job.workDone()));
        if (job.error() != null) item.put("error", s(job.error()));
        try {
            db.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException exists) {
            return false;
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public Optional<Job> get(JobId id) throws IOException {
        try {
            Map<String, AttributeValue> item = getItem(pk(id));
            return item == null ? Optional.empty() : Optional.of(toJob(item));
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public boolean transition(JobId id, JobState from, JobState to, JobPatch patch) throws IOException {
        if (!from.canMoveTo(to)) {
            throw new IllegalArgumentException("a job never moves " + from + " → " + to);
        }
        return update(id, to, patch, Set.of(from));
    }

    @Override
    public boolean advance(JobId id, JobState to, JobPatch patch) throws IOException {
        return update(id, to, patch, JobState.predecessorsOf(to));
    }

    private boolean update(JobId id, JobState to, JobPatch patch, Set<JobState> allowedFrom) throws IOException {
        Update u = new Update();
        u.set("state", s(to.name()));
        u.set("updatedAt", s(TIME.format(Instant.now())));
        JobPatch p = patch == null ? JobPatch.NONE : patch;
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
        List<String> in = new ArrayList<>();
        for (JobState st : allowedFrom) {
            in.add(u.value(s(st.name())));
        }
        if (in.isEmpty()) {
            return false;
        }
        String condition = "attribute_exists(pk) AND #state IN (" + String.join(", ", in) + ")";
        return u.run(id, condition);
    }

    @Override
    public boolean addWork(JobId id, int shard, long units, Integer octave, Instant heartbeat) throws IOException {
        if (units < 0) {
            throw new IllegalArgumentException("work units are never negative: " + units);
        }
        Update u = new Update();
        String amount = u.value(n(units));
        u.add("workDone", amount);
        u.add("shard#" + shard, amount);
        String hb = u.value(s(TIME.format(heartbeat)));
        u.setExpr("heartbeatAt", hb);
        u.setExpr("startedAt", "if_not_exists(" + u.name("startedAt") + ", " + hb + ")");
        u.set("updatedAt", s(TIME.format(Instant.now())));
        u.set("state", s(JobState.DREAMING.name()));
        if (octave != null) {
            u.set("octave#" + shard, n(octave));
        }
        String condition = "attribute_exists(pk) AND #state IN (" + u.value(s(JobState.PLANNED.name())) + ", "
                + u.value(s(JobState.DREAMING.name())) + ")";
        return u.run(id, condition);
    }

    /**
     * Conditional on the shard's counter still being {@code counted}: the SDK retries an UpdateItem whose answer was
     * lost, and a plain ADD would then count the same units twice.
     */
    @Override
    public boolean recordWork(JobId id, int shard, long counted, long units, Integer octave, Instant heartbeat)
            throws IOException {
        if (units < 0 || counted < 0) {
            throw new IllegalArgumentException("work units are never negative: " + counted + " + " + units);
        }
        Update u = new Update();
        String shardName = u.name("shard#" + shard);
        u.add("workDone", u.value(n(units)));
        u.set("shard#" + shard, n(counted + units));
        String hb = u.value(s(TIME.format(heartbeat)));
        u.setExpr("heartbeatAt", hb);
        u.setExpr("startedAt", "if_not_exists(" + u.name("startedAt") + ", " + hb + ")");
        u.set("updatedAt", s(TIME.format(Instant.now())));
        u.set("state", s(JobState.DREAMING.name()));
        if (octave != null) {
            u.set("octave#" + shard, n(octave));
        }
        String expected = u.value(n(counted));
        String shardCondition = counted == 0
                ? "(attribute_not_exists(" + shardName + ") OR " + shardName + " = " + expected + ")"
                : shardName + " = " + expected;
        String condition = "attribute_exists(pk) AND #state IN (" + u.value(s(JobState.PLANNED.name())) + ", "
                + u.value(s(JobState.DREAMING.name())) + ") AND " + shardCondition;
        if (u.run(id, condition)) {
            return true;
        }
        // Refused: already applied (a retried request), the job stopped, or another writer moved the counter.
        Optional<Job> job = get(id);
        long now = shardWorkDone(id, shard);
        if (now == counted + units) {
            return true;
        }
        if (job.isEmpty() || (job.get().state() != JobState.PLANNED && job.get().state() != JobState.DREAMING)) {
            return false;
        }
        throw new StaleCountException("shard " + shard + " of job " + id + " has " + now + " units stored, not the "
                + counted + " this writer expected");
    }

    @Override
    public long shardWorkDone(JobId id, int shard) throws IOException {
        try {
            GetItemResponse r = db.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)))).consistentRead(true)
                    .projectionExpression("#s").expressionAttributeNames(Map.of("#s", "shard#" + shard)));
            if (!r.hasItem() || r.item().isEmpty()) {
                return 0;
            }
            AttributeValue v = r.item().get("shard#" + shard);
            return v == null ? 0 : Long.parseLong(v.n());
        } catch (SdkException e) {
            throw io(e);
        }
    }

    @Override
    public Page list(String sourceKey, int limit, String cursor) throws IOException {
        if (limit < 1 || limit > 100) {
            throw new IllegalArgumentException("limit is " + limit + "; allowed 1 to 100");
        }
        QueryRequest.Builder q = QueryRequest.builder().tableName(table).scanIndexForward(false).limit(limit);
        if (sourceKey != null && !sourceKey.isEmpty()) {
            q.indexName(BY_SOURCE).keyConditionExpression("sourceKey = :k")
                    .expressionAttributeValues(Map.of(":k", s(sourceKey)));
        } else {
            q.indexName(BY_CREATED).keyConditionExpression("listPk = :k")
                    .expressionAttributeValues(Map.of(":k", s(LIST_PK)));
        }
        if (cursor != null && !cursor.isEmpty()) {
            q.exclusiveStartKey(decodeCursor(cursor));
        }
        try {
            QueryResponse r = db.query(q.build());
            List<Job> jobs = new ArrayList<>();
            for (Map<String, AttributeValue> item : r.items()) {
                jobs.add(toJob(item));
            }
            String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
                    ? encodeCursor(r.lastEvaluatedKey()) : null;
            return new Page(jobs, next);
        } catch (SdkException e) {
            throw io(e);
        }
    }

    // ---------------------------------------------------------------- mapping

    private Job toJob(Map<String, AttributeValue> item) throws IOException {
        Source source = new Source(str(item, "srcBucket"), str(item, "sourceKey"), str(item, "srcVersion"),
                str(item, "srcEtag"), num(item, "srcSize", 0));
        Map<Integer, Long> shardDone = new TreeMap<>();
        Map<Integer, Integer> shardOctave = new TreeMap<>();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            if (e.getKey().startsWith("shard#")) {
                shardDone.put(Integer.parseInt(e.getKey().substring(6)), Long.parseLong(e.getValue().n()));
            } else if (e.getKey().startsWith("octave#")) {
                shardOctave.put(Integer.parseInt(e.getKey().substring(7)), Integer.parseInt(e.getValue().n()));
            }
        }
        Integer octave = shardOctave.values().stream().min(Integer::compare).orElse(null);
        String params = str(item, "params");
        String shardWork = str(item, "shardWork");
        String estimate = str(item, "estimate");
        return new Job(
                JobId.of(str(item, "jobId")),
                str(item, "contentKey"),
                source,
                JobState.valueOf(str(item, "state")),
                time(item, "createdAt"),
                time(item, "updatedAt"),
                str(item, "format"),
                item.containsKey("width") ? (int) num(item, "width", 0) : null,
                item.containsKey("height") ? (int) num(item, "height", 0) : null,
                params == null ? null : read(params, new TypeReference<DreamParameters>() { }),
                str(item, "outputName"),
                num(item, "totalWork", 0),
                num(item, "workDone", 0),
                octave,
                shardWork == null ? List.of() : read(shardWork, new TypeReference<List<Long>>() { }),
                shardDone,
                shardOctave,
                time(item, "startedAt"),
                time(item, "heartbeatAt"),
                estimate == null ? null : read(estimate, new TypeReference<Estimate>() { }),
                str(item, "outputKey"),
                str(item, "previewKey"),
                str(item, "thumbKey"),
                str(item, "error"));
    }

    private Map<String, AttributeValue> getItem(String pk) {
        GetItemResponse r = db.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk))).consistentRead(true));
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    private static String pk(JobId id) {
        return "job#" + id.value();
    }

    private static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    private static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name, long otherwise) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? otherwise : Long.parseLong(v.n());
    }

    private static Instant time(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Instant.parse(v);
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String text, TypeReference<T> type) throws IOException {
        return JSON.readValue(text, type);
    }

    private static String encodeCursor(Map<String, AttributeValue> key) {
        Map<String, String> plain = new TreeMap<>();
        key.forEach((k, v) -> plain.put(k, v.s()));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json(plain).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, AttributeValue> decodeCursor(String cursor) {
        try {
            Map<String, String> plain = JSON.readValue(Base64.getUrlDecoder().decode(cursor),
                    new TypeReference<Map<String, String>>() { });
            Map<String, AttributeValue> key = new HashMap<>();
            for (Map.Entry<String, String> e : plain.entrySet()) {
                if (!Set.of("pk", "listPk", "listSk", "sourceKey").contains(e.getKey()) || e.getValue() == null) {
                    throw new IllegalArgumentException("bad field");
                }
                key.put(e.getKey(), s(e.getValue()));
            }
            return key;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the 'next' cursor is not one this API returned");
        }
    }

    private static IOException io(SdkException e) {
        return new IOException("DynamoDB: " + e.getMessage(), e);
    }

    /** An UpdateItem expression under construction: placeholders for every name and value. */
    private final class Update {
        private final Map<String, String> names = new LinkedHashMap<>();
        private final Map<String, AttributeValue> values = new LinkedHashMap<>();
        private final List<String> sets = new ArrayList<>();
        private final List<String> adds = new ArrayList<>();

        String name(String attribute) {
            if (attribute.equals("state")) {
                names.put("#state", "state");
                return "#state";
            }
            for (Map.Entry<String, String> e : names.entrySet()) {
                if (e.getValue().equals(attribute)) return e.getKey();
            }
            String placeholder = "#n" + names.size();
            names.put(placeholder, attribute);
            return placeholder;
        }

        String value(AttributeValue v) {
            String placeholder = ":v" + values.size();
            values.put(placeholder, v);
            return placeholder;
        }

        void set(String attribute, AttributeValue v) {
            sets.add(name(attribute) + " = " + value(v));
        }

        void setExpr(String attribute, String expression) {
            sets.add(name(attribute) + " = " + expression);
        }

        void add(String attribute, String valuePlaceholder) {
            adds.add(name(attribute) + " " + valuePlaceholder);
        }

        boolean run(JobId id, String condition) throws IOException {
            name("state");
            StringBuilder expr = new StringBuilder();
            if (!sets.isEmpty()) expr.append("SET ").append(String.join(", ", sets));
            if (!adds.isEmpty()) expr.append(expr.isEmpty() ? "" : " ").append("ADD ").append(String.join(", ", adds));
            try {
                db.updateItem(UpdateItemRequest.builder().tableName(table).key(Map.of("pk", s(pk(id))))
                        .updateExpression(expr.toString()).conditionExpression(condition)
                        .expressionAttributeNames(names).expressionAttributeValues(values).build());
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            } catch (SdkException e) {
                throw io(e);
            }
        }
    }
}
