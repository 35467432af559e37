package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.job.Source;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.ValidateService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Validate step. <b>Contract for the state machine:</b>
 *
 * <p>Input: the EventBridge "Object Created" event exactly as delivered ({@code detail.bucket.name},
 * {@code detail.object.key} URL-encoded, {@code size}, {@code etag}, {@code version-id}), optionally with a top-level
 * {@code "executionId"} (pass {@code "executionId.$": "$$.Execution.Id"} plus the event fields, or merge it in) so that
 * a retry of the same execution is not mistaken for a duplicate event.
 *
 * <p>Output, always: {@code {"jobId": "…", "duplicate": bool, "rejected": bool, "reason": "…" | null}}.
 * <ul>
 *   <li>{@code duplicate: true}: a job for this object (same bucket, key and ETag) already exists; branch to a Succeed
 *   state ("duplicate, done"), do not plan.</li>
 *   <li>{@code rejected: true}: the upload is bad (not an image, empty, truncated, too large, bad parameters…). The job
 *   record already exists and is already FAILED with {@code reason}; branch to a Fail state (no MarkFailed needed,
 *   though calling it is harmless). <b>Rejection is a normal return, not an error</b>, so no Retry is wasted on it.</li>
 *   <li>otherwise: the job is VALIDATED; continue with Plan.</li>
 * </ul>
 * Thrown errors are infrastructure trouble (S3/DynamoDB): Retry them, then Catch → MarkFailed with the original event
 * in {@code detail}, which finds the job through the same idempotency key.
 */
public final class ValidateHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final ValidateService service;

    public ValidateHandler() {
        this(Wiring.get().validate());
    }

    public ValidateHandler(ValidateService service) {
        this.service = service;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        JsonLog log = Logs.forInvocation("validate", context);
        Source s = Payloads.source(event);
        if (s == null) {
            log.error("input is not an S3 Object Created event", null, "input", String.valueOf(event));
            throw new IllegalArgumentException("input is not an S3 \"Object Created\" event (detail.bucket.name and detail.object.key are missing)");
        }
        try {
            ValidateService.Result r = service.validate(new ValidateService.Request(s.bucket(), s.key(), s.size(), s.etag(),
                    s.versionId(), Payloads.string(event, "executionId")), log.with("key", s.key()));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("jobId", r.jobId().value());
            out.put("duplicate", r.duplicate());
            out.put("rejected", r.rejected());
            out.put("reason", r.reason());
            return out;
        } catch (IOException e) {
            log.error("validation could not run", e, "key", s.key());
            throw new UncheckedIOException(e);
        }
    }
}
