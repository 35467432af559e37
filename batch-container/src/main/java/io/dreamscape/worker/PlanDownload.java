package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;

import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The job's {@code jobs/{jobId}/plan.json}. No plan, an unreadable one or one of a version this worker does not know
 * fails the job; an unreachable store is transient (the attempt is retried).
 */
final class PlanDownload {
    private PlanDownload() {
    }

    static Plan load(ObjectStore objects, JobId id) throws WorkerException {
        String key = StorageLayout.planKey(id);
        try {
            if (objects.head(key).isEmpty()) {
                throw WorkerException.permanent("job " + id + " has no plan: s3://" + objects.bucket() + "/" + key
                        + " does not exist (was the job planned, and is BUCKET right?)");
            }
            return Plan.fromJson(objects.getBytes(key));
        } catch (Plan.UnsupportedVersion e) {
            throw WorkerException.permanent(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw WorkerException.permanent("the plan s3://" + objects.bucket() + "/" + key + " is unreadable: "
                    + message(e), e);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.transientFailure("cannot read the plan s3://" + objects.bucket() + "/" + key + ": "
                    + message(e), e);
        }
    }
}
