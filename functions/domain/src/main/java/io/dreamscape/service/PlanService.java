package io.dreamscape.service;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * Plans a validated job: writes {@code plan.json} and moves VALIDATED → PLANNED. Idempotent: a plan already written
 * (a retry) is reused as is, so its seed and split never change between attempts.
 */
public record PlanService(ObjectStore objects, ProgressStore progress, Planner planner, Clock clock) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * {@code devices}: GPUs the one shard runs on together (the state machine picks the job definition by it);
     * {@code base}: a base job (worker index {@code baseIndex}) runs before the shards (plan version 2).
     */
    public record Result(JobId jobId, int shardCount, int arraySize, int devices, boolean base, int baseIndex) {
        public Result(JobId jobId, int shardCount, int arraySize) {
            this(jobId, shardCount, arraySize, 1, false, shardCount);
        }
    }

    public Result plan(JobId id, JsonLog log) throws IOException {
        Job job = progress.get(id).orElseThrow(() -> new IllegalStateException("no job " + id));
        String key = StorageLayout.planKey(id);
        Plan plan;
        if (objects.head(key).isPresent()) {
            plan = Plan.fromJson(objects.getBytes(key));
            log.info("reusing the plan written by an earlier attempt");
        } else {
            if (job.state() != JobState.VALIDATED) {
                throw new IllegalStateException("job " + id + " is " + job.state() + (job.error() != null ? " (" + job.error() + ")" : "")
                        + "; only a VALIDATED job can be planned");
            }
            DreamParameters p = job.parameters();
            if (p.seed() == null) {
                p = p.withSeed(RANDOM.nextLong() >>> 11); // 53 bits: exact in JavaScript too
            }
            plan = planner.plan(id, job.source(), job.format(), job.width(), job.height(), p, clock.instant());
            objects.put(key, plan.toJson(), "application/json");
        }
        if (job.state() == JobState.VALIDATED) {
            boolean moved = progress.transition(id, JobState.VALIDATED, JobState.PLANNED, JobPatch.planned(plan.parameters(),
                    plan.totalWork(), plan.shards().stream().map(Shard::work).toList(), plan.estimate()));
            if (!moved) {
                Job now = progress.get(id).orElseThrow();
                if (now.state() == JobState.FAILED || now.state().ordinal() < JobState.PLANNED.ordinal()) {
                    throw new IllegalStateException("job " + id + " is " + now.state() + "; it cannot be planned");
                }
            }
        } else if (job.state() == JobState.FAILED) {
            throw new IllegalStateException("job " + id + " has failed: " + job.error());
        }
        log.info("planned", "shards", plan.shardCount(), "devices", plan.devices(), "totalWork", plan.totalWork(),
                "gpuSeconds", plan.estimate().gpuSeconds(), "costUsd", plan.estimate().costUsd());
        return new Result(id, plan.shardCount(), plan.arraySize(), plan.devices(), plan.hasBase(), plan.baseIndex());
    }
}
