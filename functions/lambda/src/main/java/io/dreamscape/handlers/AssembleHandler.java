package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.AssembleService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Assemble step. Input {@code {"jobId": "…"}}; output {@code {"jobId", "state": "COMPLETED", "outputKey"}}.
 * Idempotent (a completed job returns its output). Errors: a missing shard result or a job that already failed throw
 * {@code IllegalStateException} (not worth retrying); S3/DynamoDB trouble throws {@code UncheckedIOException}.
 * Sizing: see the README (memory stays flat in the output size; scratch needs about two grid rows of shards plus the
 * output JPEG, so give the function ephemeral storage accordingly).
 */
public final class AssembleHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final AssembleService service;

    public AssembleHandler() {
        this(Wiring.get().assemble());
    }

    public AssembleHandler(AssembleService service) {
        this.service = service;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        JobId id = Payloads.jobId(input);
        JsonLog log = Logs.forInvocation("assemble", context).with("jobId", id);
        try {
            AssembleService.Result r = service.assemble(id, log);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("jobId", id.value());
            out.put("state", r.state().name());
            out.put("outputKey", r.outputKey());
            return out;
        } catch (IOException e) {
            log.error("assembly failed", e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            log.error("assembly failed", e);
            throw e;
        }
    }
}
