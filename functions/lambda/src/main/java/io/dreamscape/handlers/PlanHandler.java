package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.PlanService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
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
        JobId id = Payloads.jobId(input);
        JsonLog log = Logs.forInvocation("plan", context).with("jobId", id);
        try {
            PlanService.Result r = service.plan(id, log);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("jobId", id.value());
            out.put("shardCount", r.shardCount());
            out.put("arraySize", r.arraySize());
            out.put("devices", r.devices());
            out.put("base", r.base());
            out.put("baseIndex", r.baseIndex());
            return out;
        } catch (IOException e) {
            log.error("planning failed", e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            log.error("planning failed", e);
            throw e;
        }
    }
}
