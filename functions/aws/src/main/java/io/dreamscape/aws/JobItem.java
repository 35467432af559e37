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
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.WorkReport;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link Job} as a DynamoDB item and back ({@link ProgressTableSchema} has the layout): plain fields as top-level
 * attributes (times as fixed-width ISO strings, so they sort), the parameters, shard work and estimate as JSON strings,
 * and the per-shard counters {@code shard#i} and {@code octave#i} as numbers that workers update one by one.
 */
final class JobItem {
    /** Milliseconds, fixed width: {@code listSk = createdAt#jobId} sorts by time as a string. */
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private JobItem() {
    }

    /** The item a new job is created as. */
    static Map<String, AttributeValue> of(Job job) {
        Map<String, AttributeValue> item = new HashMap<>();
        String created = time(job.createdAt());
        item.put("pk", s(ProgressTableSchema.jobKey(job.jobId())));
        item.put("jobId", s(job.jobId().value()));
        item.put("contentKey", s(job.contentKey()));
        item.put("listPk", s(ProgressTableSchema.LIST_PK));
        item.put("listSk", s(created + "#" + job.jobId()));
        item.put("sourceKey", s(job.source().key()));
        item.put("srcBucket", s(job.source().bucket()));
        if (job.source().versionId() != null) item.put("srcVersion", s(job.source().versionId()));
        if (job.source().etag() != null) item.put("srcEtag", s(job.source().etag()));
        item.put("srcSize", n(job.source().size()));
        item.put("state", s(job.state().name()));
        item.put("createdAt", s(created));
        item.put("updatedAt", s(time(job.updatedAt())));
        if (job.outputName() != null) item.put("outputName", s(job.outputName()));
        item.put("totalWork", n(job.totalWork()));
        item.put("workDone", n(job.workDone()));
        if (job.error() != null) item.put("error", s(job.error()));
        return item;
    }

    static Job toJob(Map<String, AttributeValue> item) throws IOException {
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
                // octave#i are written one by one by the workers; the job's octave is derived the model's way
                WorkReport.currentOctave(shardOctave),
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

    static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }

    static String time(Instant t) {
        return TIME.format(t);
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long num(Map<String, AttributeValue> item, String name, long otherwise) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? otherwise : Long.parseLong(v.n());
    }

    private static Instant time(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Instant.parse(v);
    }

    private static <T> T read(String text, TypeReference<T> type) throws IOException {
        return JSON.readValue(text, type);
    }
}
