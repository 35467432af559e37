package io.dreamscape.local;

import ai.djl.Device;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.FailService;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.UploadIdentity;
import io.dreamscape.service.ValidateService;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Local mode's stand-in for Step Functions and AWS Batch: a queue of uploads and jobs, worked by one thread per
 * {@code --workers}, each bound to its own device (GPU {@code i} when there are several, else the CPU). A job goes
 * through the same services as in the cloud — validate → plan → each shard through the worker → assemble — and any
 * failure is recorded by the same {@link FailService}. Every stage is idempotent, so a job found unfinished at start
 * simply continues from the state it was left in (the worker resumes its shard from its checkpoints).
 */
public final class JobRunner implements AutoCloseable {
    private sealed interface Task permits Upload, Resume {
    }

    private record Upload(String key) implements Task {
    }

    private record Resume(JobId id) implements Task {
    }

    /** Set by close(): only then does an interrupted job end its worker thread. */
    private volatile boolean closing;
    private final ObjectStore objects;
    private final H2ProgressStore progress;
    private final ValidateService validate;
    private final PlanService plan;
    private final AssembleService assemble;
    private final FailService fail;
    private final ShardDreamer dreamer;
    private final List<Device> devices;
    private final JsonLog log;
    private final Consumer<JobId> finished;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Set<String> queuedKeys = ConcurrentHashMap.newKeySet();
    private final Set<JobId> inFlight = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Object> keyLocks = new ConcurrentHashMap<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    public JobRunner(ObjectStore objects, H2ProgressStore progress, ValidateService validate, PlanService plan,
                     AssembleService assemble, FailService fail, ShardDreamer dreamer, List<Device> devices, JsonLog log) {
        this(objects, progress, validate, plan, assemble, fail, dreamer, devices, log, id -> { });
    }

    /** {@code finished}: called with a job that has ended (COMPLETED or FAILED), to remove what only its run needed. */
    public JobRunner(ObjectStore objects, H2ProgressStore progress, ValidateService validate, PlanService plan,
                     AssembleService assemble, FailService fail, ShardDreamer dreamer, List<Device> devices, JsonLog log,
                     Consumer<JobId> finished) {
        this.finished = finished;
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("at least one worker");
        }
        this.objects = objects;
        this.progress = progress;
        this.validate = validate;
        this.plan = plan;
        this.assemble = assemble;
        this.fail = fail;
        this.dreamer = dreamer;
        this.devices = List.copyOf(devices);
        this.log = log;
    }

    /** Starts one worker thread per device. */
    public synchronized void start() {
        for (int i = 0; i < devices.size(); i++) {
            Device device = devices.get(i);
            Thread t = new Thread(() -> work(device), "dreamscape-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** An object was created under {@code uploads/}: queue it (once while it waits). */
    public void submitUpload(String key) {
        if (queuedKeys.add(key)) {
            queue.add(new Upload(key));
        }
    }

    /**
     * True when the newest job of {@code key} was made from an object of this size after it was last modified: a
     * scan at start need not read the file again (a file copied in has no stored ETag; computing one reads it all).
     */
    public boolean alreadyHandled(String key, long size, Instant lastModified) {
        if (lastModified == null) {
            return false;
        }
        try {
            List<Job> newest = progress.list(key, 1, null).jobs();
            return !newest.isEmpty() && newest.get(0).source().size() == size
                    && !newest.get(0).createdAt().isBefore(lastModified);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Queues every job left unfinished by an earlier run (oldest first). */
    public int resumeUnfinished() throws IOException {
        List<Job> jobs = progress.unfinished();
        for (Job j : jobs) {
            log.with("jobId", j.jobId()).info("resuming an unfinished job", "state", j.state().name(), "key", j.source().key());
            queue.add(new Resume(j.jobId()));
        }
        return jobs.size();
    }

    /** Jobs waiting plus jobs being worked on. */
    public int pending() {
        return queue.size() + busy.get();
    }

    public int workers() {
        return devices.size();
    }

    private void work(Device device) {
        while (true) {
            Task task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            busy.incrementAndGet();
            try {
                if (task instanceof Upload u) {
                    queuedKeys.remove(u.key());
                    Optional<JobId> id = admit(u.key());
                    if (id.isPresent()) {
                        run(id.get(), device);
                    }
                } else if (task instanceof Resume r) {
                    run(r.id(), device);
                }
            } catch (InterruptedException e) {
                if (closing) return;
                // A shard stopped without local mode stopping (killed by hand, say): the job stays unfinished and
                // resumes at the next start; this worker thread goes on with the queue.
                log.warn("local job runner: a job was interrupted; it resumes at the next start", "task", task.toString());
            } catch (Exception | Error e) {
                log.error("local job runner: unexpected failure", e instanceof Exception ? e : null, "task", task.toString());
            } finally {
                busy.decrementAndGet();
            }
        }
    }

    /**
     * The Validate step for a new object under uploads/: a job id to run, or empty for a duplicate of an upload
     * already handled, a rejected upload (its job is FAILED with the reason), or an object that is gone again.
     */
    Optional<JobId> admit(String key) throws IOException {
        synchronized (keyLocks.computeIfAbsent(key, k -> new Object())) {
            Optional<ObjectStore.ObjectInfo> head = objects.head(key);
            if (head.isEmpty()) {
                return Optional.empty();
            }
            ObjectStore.ObjectInfo o = head.get();
            Source source = new Source(objects.bucket(), key, o.versionId(), o.etag(), o.size());
            String contentKey = UploadIdentity.contentKey(objects, source);
            Optional<JobId> owner = progress.claimed(contentKey);
            if (owner.isPresent()) {
                Optional<Job> job = progress.get(owner.get());
                if (job.isPresent()) {
                    if (!job.get().state().isTerminal() && !inFlight.contains(owner.get())) {
                        return owner; // claimed by an earlier run that stopped before finishing
                    }
                    log.with("jobId", owner.get()).info("duplicate upload: a job for these bytes already exists",
                            "key", key, "state", job.get().state().name());
                    return Optional.empty();
                }
            }
            String execution = owner.isPresent()
                    ? progress.executionIdOf(contentKey).orElse(null)
                    : "local-" + UUID.randomUUID();
            ValidateService.Result r = validate.validate(new ValidateService.Request(objects.bucket(), key, o.size(),
                    o.etag(), o.versionId(), execution), log);
            if (r.duplicate() || r.rejected()) {
                return Optional.empty();
            }
            return Optional.of(r.jobId());
        }
    }

    /** Takes a job from whatever state it is in to COMPLETED (or FAILED with the reason). */
    void run(JobId id, Device device) throws InterruptedException {
        if (!inFlight.add(id)) {
            return;
        }
        JsonLog jlog = log.with("jobId", id);
        try {
            while (true) {
                Job job = progress.get(id).orElseThrow(() -> new IllegalStateException("job " + id + " has no record"));
                switch (job.state()) {
                    case COMPLETED, FAILED -> {
                        finished(id, jlog);
                        return;
                    }
                    case RECEIVED -> {
                        String execution = progress.executionIdOf(job.contentKey()).orElse(null);
                        Source s = job.source();
                        ValidateService.Result r = validate.validate(new ValidateService.Request(s.bucket(), s.key(),
                                s.size(), s.etag(), s.versionId(), execution), jlog);
                        if (r.rejected() || r.duplicate()) {
                            return;
                        }
                    }
                    case VALIDATED -> plan.plan(id, jlog);
                    case PLANNED, DREAMING -> {
                        Plan p = Plan.fromJson(objects.getBytes(StorageLayout.planKey(id)));
                        // A split dream's base (its low octaves, once for the whole image) runs before the shards,
                        // as the cloud workflow's DreamBase step does.
                        if (p.hasBase() && objects.head(StorageLayout.baseDetailKey(id)).isEmpty()) {
                            jlog.info("dreaming the base", "octaves", p.baseOctaves(), "shards", p.shardCount(),
                                    "device", device.toString());
                            dreamer.dream(id, p.baseIndex(), device);
                        }
                        for (Shard s : p.shards()) {
                            if (objects.head(s.resultKey(id)).isEmpty()) {
                                jlog.info("dreaming", "shard", s.index(), "shards", p.shardCount(), "device", device.toString());
                                dreamer.dream(id, s.index(), device);
                            }
                        }
                        assemble.assemble(id, jlog);
                    }
                    case ASSEMBLING -> assemble.assemble(id, jlog);
                }
            }
        } catch (InterruptedException e) {
            jlog.info("stopped; the job resumes at the next start");
            throw e;
        } catch (Exception | Error e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped");
            }
            String reason = reason(e);
            jlog.error("job failed", e instanceof Exception ? e : null, "reason", reason);
            try {
                fail.fail(new FailService.Request(id.value(), e.getClass().getSimpleName(), reason, null, null), jlog);
            } catch (IOException | RuntimeException again) {
                jlog.error("could not record the failure", again);
            }
            try {
                if (progress.get(id).map(j -> j.state().isTerminal()).orElse(false)) finished(id, jlog);
            } catch (IOException | RuntimeException again) {
                jlog.warn("could not tidy up after the failed job", "error", again.toString());
            }
        } finally {
            inFlight.remove(id);
        }
    }

    private void finished(JobId id, JsonLog jlog) {
        try {
            finished.accept(id);
        } catch (RuntimeException e) {
            jlog.warn("could not remove the finished job's shards and checkpoints", "error", e.toString());
        }
    }

    /** The failure in words: the message, with the causes' messages that add something. */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 800; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || m.isBlank() || sb.indexOf(m) >= 0) {
                continue;
            }
            if (!sb.isEmpty()) sb.append(": ");
            sb.append(m.strip());
        }
        return sb.isEmpty() ? "the job failed with " + e.getClass().getSimpleName() : sb.toString();
    }

    @Override
    public synchronized void close() {
        closing = true;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }
}
