package io.dreamscape.local;

import ai.djl.Device;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs each shard as a {@link ShardProcess} (a JVM of its own on the same classpath), the local counterpart of a
 * Batch array child: a GPU worker gets {@code CUDA_VISIBLE_DEVICES} of its GPU, a crash of native code takes down one
 * shard rather than local mode, and failed attempts are retried like Batch retries (permanent failures are not: the
 * worker has recorded them on the job). {@link #stopAll()} sends SIGTERM: shards checkpoint and exit.
 */
final class ProcessShardDreamer implements ShardDreamer {
    static final int ATTEMPTS = 3;

    private final Path data;
    private final String bucket;
    private final Path weights;
    private final Duration progressInterval;
    private final Duration checkpointInterval;
    private final Duration stepDelay;
    private final H2ProgressStore progress;
    private final JsonLog log;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ProcessShardDreamer(Path data, String bucket, Path weights, Duration progressInterval, Duration checkpointInterval,
                        Duration stepDelay, H2ProgressStore progress, JsonLog log) {
        this.data = data.toAbsolutePath();
        this.bucket = bucket;
        this.weights = weights == null ? null : weights.toAbsolutePath();
        this.progressInterval = progressInterval;
        this.checkpointInterval = checkpointInterval;
        this.stepDelay = stepDelay;
        this.progress = progress;
        this.log = log;
    }

    @Override
    public void dream(JobId jobId, int shard, Device device) throws Exception {
        JsonLog jlog = log.with("jobId", jobId);
        for (int attempt = 1; ; attempt++) {
            if (stopping) throw new InterruptedException("local mode is stopping");
            Process p = start(jobId, shard, device);
            running.add(p);
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
                throw e;
            } finally {
                running.remove(p);
                p.getOutputStream().close();
            }
            if (code == 0) return;
            if (stopping) {
                throw new InterruptedException("shard " + shard + " stopped at a checkpoint");
            }
            // Interrupted (exit 143 or the worker's own code) while local mode is not stopping: killed from outside.
            // It checkpointed, so another attempt resumes; counted like any other failed attempt.
            if (code == ShardProcess.EXIT_JOB_STOPPED) {
                throw new IllegalStateException("the job was stopped while shard " + shard + " was dreaming");
            }
            String recorded = progress.get(jobId).map(Job::error).orElse(null);
            if (code == ShardProcess.EXIT_PERMANENT || attempt >= ATTEMPTS) {
                throw new IllegalStateException(recorded != null ? recorded : "the worker of shard " + shard
                        + " failed " + attempt + " time(s), last with exit code " + code + "; its log is in local mode's output");
            }
            jlog.warn("shard attempt failed; retrying", "shard", shard, "attempt", attempt, "exitCode", code);
            Thread.sleep(1000L * attempt);
        }
    }

    private Process start(JobId jobId, int shard, Device device) throws IOException {
        return command(jobId, shard, device).start(); // stdin stays a pipe: the shard stops when it closes
    }

    /** The shard's process: this JVM's java and classpath, run in the bucket's models/ folder, bound to its GPU. */
    ProcessBuilder command(JobId jobId, int shard, Device device) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ShardProcess.class.getName(),
                "--data", data.toString(), "--db", progress.sharedUrl(), "--bucket", bucket, "--job", jobId.value(), "--shard", Integer.toString(shard),
                "--device", device.isGpu() ? "gpu" : "cpu",
                "--progress-ms", Long.toString(progressInterval.toMillis()),
                "--checkpoint-ms", Long.toString(checkpointInterval.toMillis()),
                "--step-delay-ms", Long.toString(stepDelay.toMillis())));
        if (weights != null) {
            cmd.add("--weights");
            cmd.add(weights.toString());
        }
        // The worker opens a model named in the parameters ("name.pt") as a relative path: run it in the bucket's
        // models/ folder, where --model puts its file and where an upload's model is documented to live.
        Path models = Files.createDirectories(data.resolve(bucket).resolve("models"));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(models.toFile())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        if (device.isGpu()) {
            pb.environment().put("CUDA_VISIBLE_DEVICES", Integer.toString(device.getDeviceId()));
        }
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        return pb;
    }

    /** This JVM's heap, GC and native-access options, so a shard runs with what local mode was given. */
    static List<String> jvmOptions() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Xss") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access")
                    || a.startsWith("-XX:+Use") || a.startsWith("-XX:TieredStopAtLevel") || a.startsWith("-XX:MaxRAMPercentage")) {
                out.add(a);
            }
        }
        return out;
    }

    @Override
    public void stopAll() {
        stopping = true;
        for (Process p : running) {
            p.destroy();
        }
        for (Process p : running) {
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
