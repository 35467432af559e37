package io.dreamscape.local;

import ai.djl.Device;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.worker.Worker;
import io.dreamscape.worker.WorkerConfig;
import io.dreamscape.worker.WorkerException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * One shard of local mode in a process of its own, as a Batch array child is a container of its own: the
 * {@code dreamscape worker} code on local mode's stores (the bucket folder through the same filesystem blob store, the
 * job database through local mode's loopback H2 server, {@code --db URL}). A process per shard lets several shards dream at once (DJL allows one
 * gradient collection per process) and binds each to its own GPU ({@code CUDA_VISIBLE_DEVICES} set by the parent).
 *
 * <p>{@code main(--data DIR --db URL --bucket B --job ID --shard N --device cpu|gpu [--weights P] --progress-ms N
 * --checkpoint-ms N --step-delay-ms N)}. Exit codes: 0 result stored, {@value #EXIT_INTERRUPTED} stopped at a
 * checkpoint, {@value #EXIT_JOB_STOPPED} the job is no longer running, {@value #EXIT_PERMANENT} permanent failure
 * (recorded on the job by the worker), {@value #EXIT_TRANSIENT} transient failure (worth another attempt). SIGTERM, or
 * the parent going away (its end of stdin closes), stops the shard at its next step with a checkpoint.
 */
public final class ShardProcess {
    // The worker's own exit codes (one table for Batch and local mode); 3 is left to the JVM (ExitOnOutOfMemoryError).
    static final int EXIT_INTERRUPTED = io.dreamscape.worker.WorkerCommand.EXIT_INTERRUPTED;
    static final int EXIT_JOB_STOPPED = io.dreamscape.worker.WorkerCommand.EXIT_JOB_STOPPED;
    static final int EXIT_PERMANENT = io.dreamscape.worker.WorkerCommand.EXIT_FAILED;
    static final int EXIT_TRANSIENT = io.dreamscape.worker.WorkerCommand.EXIT_UNAVAILABLE;

    private ShardProcess() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The option in milliseconds, else local mode's default in seconds (one definition, in {@link LocalCommand}). */
    private static long millis(Map<String, String> a, String name, String defaultSeconds) {
        String ms = a.get(name);
        return ms != null ? Long.parseLong(ms) : Math.round(Double.parseDouble(defaultSeconds) * 1000);
    }

    static int run(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        JsonLog log = JsonLog.of("dreamscape-worker");
        Path data = Path.of(a.get("--data"));
        JobId id = JobId.of(a.get("--job"));
        int shard = Integer.parseInt(a.get("--shard"));
        Device device = "cpu".equals(a.getOrDefault("--device", "cpu")) ? Device.cpu() : Device.gpu(0);
        WorkerConfig config = new WorkerConfig(id, shard, device, a.containsKey("--weights") ? Path.of(a.get("--weights")) : null,
                data.resolve(LocalMode.STATE_FOLDER).resolve("scratch"),
                Duration.ofMillis(millis(a, "--progress-ms", LocalCommand.PROGRESS_SECONDS)),
                Duration.ofMillis(millis(a, "--checkpoint-ms", LocalCommand.CHECKPOINT_SECONDS)),
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                Duration.ofMillis(Long.parseLong(a.getOrDefault("--step-delay-ms", "0"))));
        try (H2ProgressStore progress = H2ProgressStore.connect(a.get("--db"), data.resolve(LocalMode.STATE_FOLDER))) {
            LocalObjectStore objects = new LocalObjectStore(new FilesystemNio2BlobStore(data.toString()), a.get("--bucket"),
                    (key, ttl) -> {
                        throw new UnsupportedOperationException("a shard process signs no URLs");
                    });
            Worker worker = new Worker(objects, progress, config, log);
            Thread stop = new Thread(() -> {
                worker.requestStop();
                try {
                    worker.awaitFinished(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dreamscape-shard-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            Thread parentWatch = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // the parent writes nothing; EOF means it is gone
                    }
                } catch (IOException ignored) {
                    // same as EOF
                }
                log.with("jobId", id).warn("local mode went away: stopping the shard at a checkpoint", "shard", shard);
                worker.requestStop();
            }, "dreamscape-parent-watch");
            parentWatch.setDaemon(true);
            parentWatch.start();
            try {
                return switch (worker.run()) {
                    case COMPLETED -> 0;
                    case INTERRUPTED -> EXIT_INTERRUPTED;
                    case JOB_STOPPED -> EXIT_JOB_STOPPED;
                };
            } catch (WorkerException e) {
                return e.kind() == WorkerException.Kind.PERMANENT ? EXIT_PERMANENT : EXIT_TRANSIENT;
            }
        } catch (IOException | RuntimeException e) {
            log.with("jobId", id).error("shard process failed", e, "shard", shard);
            return EXIT_TRANSIENT;
        }
    }
}
