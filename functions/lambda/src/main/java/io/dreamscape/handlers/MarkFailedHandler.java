package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.FailService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state machine's Catch target. Input: {@code {"jobId": optional, "error": {"Error": "…", "Cause": "…"},
 * "detail": optional}} — i.e. the state's input with the caught error at {@code ResultPath: "$.error"}. When there is
 * no {@code jobId} (the failure came before Validate returned), the original EventBridge event's {@code detail} finds
 * the job by its idempotency key (and creates the record if none exists). {@code Cause} may be a Lambda error JSON
 * ({@code errorMessage}) or a Batch job description ({@code StatusReason}, {@code Attempts[].Container.ExitCode});
 * both become a sentence. Output {@code {"jobId", "state": "FAILED", "recorded": bool, "reason"}}; never throws for
 * a missing job, so the Catch path itself cannot fail.
 */
public final class MarkFailedHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final FailService service;

    public MarkFailedHandler() {
        this(Wiring.get().fail());
    }

    public MarkFailedHandler(FailService service) {
        this.service = service;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        JsonLog log = Logs.forInvocation("mark-failed", context);
        Map<String, Object> error = Payloads.map(input.get("error"));
        String name = error != null ? Payloads.string(error, "Error") : Payloads.string(input, "Error");
        String cause = error != null ? Payloads.string(error, "Cause") : Payloads.string(input, "Cause");
        try {
            FailService.Result r = service.fail(new FailService.Request(Payloads.string(input, "jobId"), name, cause,
                    Payloads.source(input), Payloads.string(input, "executionId")), log);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("jobId", r.jobId() == null ? null : r.jobId().value());
            out.put("state", "FAILED");
            out.put("recorded", r.recorded());
            out.put("reason", r.reason());
            return out;
        } catch (IOException e) {
            log.error("could not record the failure", e);
            throw new UncheckedIOException(e);
        }
    }
}
