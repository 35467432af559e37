package io.dreamscape.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Source;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

/**
 * Records FAILED for the state machine's Catch, with the cause in words: a Lambda error's message, a Batch job's
 * status reason and exit code, or a Step Functions error name explained. When the failure came before a job existed
 * (no job id), the job is found (or created) from the original upload event, so every upload has a record. The
 * input object is never touched.
 */
public final class FailService {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_REASON = 1000;

    public record Request(String jobId, String error, String cause, Source source, String executionId) {
    }

    public record Result(JobId jobId, boolean recorded, String reason) {
    }

    private final ProgressStore progress;
    private final ObjectStore objects;
    private final Clock clock;

    /** {@code objects}: to find the job of an upload whose validation failed (its key includes the parameters). */
    public FailService(ProgressStore progress, ObjectStore objects, Clock clock) {
        this.progress = progress;
        this.objects = objects;
        this.clock = clock;
    }

    public Result fail(Request r, JsonLog log) throws IOException {
        String reason = describe(r.error(), r.cause());
        JobId id = null;
        if (JobId.isValid(r.jobId())) {
            id = JobId.of(r.jobId());
        } else if (r.source() != null && r.source().key() != null) {
            String contentKey = contentKey(r.source(), log);
            Optional<JobId> owner = progress.claimed(contentKey);
            if (owner.isPresent()) {
                id = owner.get();
            } else {
                id = progress.claim(contentKey, JobId.random(), r.executionId()).jobId();
            }
            progress.create(Job.received(id, r.source(), contentKey, clock.instant()));
        }
        if (id == null) {
            log.error("failure with no job to record it on", null, "reason", reason);
            return new Result(null, false, reason);
        }
        boolean recorded = progress.fail(id, reason);
        log.with("jobId", id).warn(recorded ? "job failed" : "job was already finished; failure not recorded",
                "reason", reason, "errorName", r.error());
        return new Result(id, recorded, reason);
    }

    /**
     * The key Validate claimed the upload under; when the store cannot be read (often why Validate failed), the key of
     * the bytes alone, so the failure is still recorded on a job of its own.
     */
    private String contentKey(Source s, JsonLog log) {
        try {
            return UploadIdentity.contentKey(objects, s);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read the upload to find its job; recording the failure on a job of its own", "error", e.toString());
            return s.contentKey();
        }
    }

    /** The reason in words, from a Step Functions error name and cause. */
    public static String describe(String error, String cause) {
        String e = error == null ? "" : error;
        String c = cause == null ? "" : cause.trim();
        String reason = null;
        if (c.startsWith("{")) {
            try {
                JsonNode n = JSON.readTree(c);
                if (n.hasNonNull("errorMessage")) {
                    reason = n.get("errorMessage").asText();
                    if (reason.isBlank() && n.hasNonNull("errorType")) reason = shortType(n.get("errorType").asText());
                } else if (n.has("StatusReason") || n.has("Status") || n.has("Attempts")) {
                    reason = batchReason(n);
                }
            } catch (IOException notJson) {
                // use the text below
            }
        }
        if (reason == null) {
            reason = switch (e) {
                case "States.Timeout" -> "a step took longer than its time limit" + (c.isEmpty() ? "" : ": " + c);
                case "States.HeartbeatTimeout" -> "a step stopped reporting (heartbeat timeout)" + (c.isEmpty() ? "" : ": " + c);
                case "Sandbox.Timedout", "Lambda.Unknown" -> "a function ran out of time or memory" + (c.isEmpty() ? "" : ": " + c);
                default -> c.isEmpty() ? (e.isEmpty() ? "the workflow failed for an unknown reason" : "the workflow failed with " + e) : c;
            };
        }
        reason = reason.strip();
        return reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON - 1) + "…" : reason;
    }

    private static String batchReason(JsonNode n) {
        StringBuilder sb = new StringBuilder("the GPU job failed");
        String status = n.path("StatusReason").asText("");
        if (!status.isBlank()) sb.append(": ").append(status);
        JsonNode attempts = n.path("Attempts");
        if (attempts.isArray() && !attempts.isEmpty()) {
            JsonNode container = attempts.get(attempts.size() - 1).path("Container");
            String why = container.path("Reason").asText("");
            if (container.has("ExitCode")) {
                int code = container.get("ExitCode").asInt();
                sb.append(" (exit code ").append(code);
                if (code == 137) sb.append(", killed: out of memory or stopped");
                sb.append(')');
            }
            if (!why.isBlank()) sb.append(": ").append(why);
        }
        return sb.toString();
    }

    private static String shortType(String type) {
        int dot = type.lastIndexOf('.');
        return dot < 0 ? type : type.substring(dot + 1);
    }
}
