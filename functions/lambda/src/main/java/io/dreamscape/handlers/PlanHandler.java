package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.service.PlanService;
import java.util.Map;

/**
 * Plan step. Input {@code {"jobId": "…"}} (other fields ignored). Output
 * {@code {"jobId": "…", "shardCount": K, "arraySize": K, "devices": N, "base": B, "baseIndex": K}}: when {@code base}
 * is true, first run the worker as a plain Batch job with {@code SHARD_INDEX = baseIndex} (the split dream's low
 * octaves); then as a Batch array job of size K when K ≥ 2, as a plain job when K = 1 (Batch array jobs need at least
 * 2 children); {@code "devices": N} ≥ 2 when that one job is one image on all N GPUs of a multi-GPU instance (the
 * multi-GPU job definition). The plan itself is in
 * {@code jobs/{jobId}/plan.json}. Idempotent: a retry returns the same plan.
 */
public final class PlanHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final PlanService service;

    public PlanHandler() {
        this(Wiring.get().plan());
    }

    public PlanHandler(PlanService service) {
        this.service = service;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        return HandlerShell.forJob("plan", input, context, "planning failed", (id, log) -> {
            PlanService.Result r = service.plan(id, log);
            return HandlerShell.output("jobId", id.value(), "shardCount", r.shardCount(), "arraySize", r.arraySize(),
                    "devices", r.devices(), "base", r.base(), "baseIndex", r.baseIndex());
        });
    }
}
