package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.service.AssembleService;
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
        return HandlerShell.forJob("assemble", input, context, "assembly failed", (id, log) -> {
            AssembleService.Result r = service.assemble(id, log);
            return HandlerShell.output("jobId", id.value(), "state", r.state().name(), "outputKey", r.outputKey());
        });
    }
}
