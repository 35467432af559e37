package io.dreamscape.worker;

import ai.djl.Device;
import io.dreamscape.engine.DeviceCount;
import ai.djl.engine.Engine;
import io.dreamscape.aws.AwsClients;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dreamscape worker}: the AWS Batch GPU worker. Its assignment comes from the environment, as Batch sets it:
 * {@code JOB_ID}, {@code BUCKET}, {@code TABLE}, {@code AWS_BATCH_JOB_ARRAY_INDEX} (absent for a plain, single-shard
 * job: shard 0), {@code AWS_REGION}, and optionally {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL_DYNAMODB}
 * (non-AWS endpoints: tests, local experiments). Logs are JSON lines on stdout with the job id on every line.
 *
 * <p>On SIGTERM (Batch stopping the container, a Spot reclaim) a shutdown hook asks the worker to stop at the next step
 * boundary, waits up to {@code --stop-grace} for the checkpoint and the progress write, and the JVM exits with 143
 * (or 0 when the shard's result was uploaded during the grace period).
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Dream one shard of a planned job (AWS Batch array child); assignment from the environment.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the shard's result is in the object store",
            "1:the shard failed for good (no plan, no input, corrupt checkpoint, bad model); the job is marked FAILED",
            "2:bad configuration (environment or options)",
            "75:S3 or DynamoDB could not be reached (EX_TEMPFAIL); the job is left as it is, a retry may succeed",
            "4:the job is no longer running (failed or cancelled elsewhere); no result",
            "5:stopped on request after writing a checkpoint; run again to resume",
            "143:SIGTERM (checkpoint written when dreaming had started)"})
public final class WorkerCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_CONFIG = 2;
    /** sysexits.h EX_TEMPFAIL; not 3, which the JVM uses for -XX:+ExitOnOutOfMemoryError. */
    public static final int EXIT_UNAVAILABLE = 75;
    public static final int EXIT_JOB_STOPPED = 4;
    public static final int EXIT_INTERRUPTED = 5;
    static final String CUDNN_BENCHMARK = "ai.djl.pytorch.cudnn_benchmark";

    @Option(names = "--device", defaultValue = "gpu",
            description = "gpu (default: GPU 0, or the CPU with a warning when there is none), gpu:N or cpu")
    String device;

    @Option(names = "--devices", paramLabel = "N",
            description = "devices one image runs on (default: every visible GPU from --device on, or $DREAMSCAPE_DEVICES; "
                    + "on the CPU N threads stand in for N devices)")
    String devices;

    @Option(names = "--weights", paramLabel = "PATH",
            description = "GoogLeNet weights file (default: $DREAMSCAPE_HOME, baked into the image)")
    Path weights;

    @Option(names = "--scratch", paramLabel = "DIR",
            description = "local folder for the input and the memory-mapped working images (default: system temp)")
    Path scratch;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "at most one progress write per interval, plus one per octave (default ${DEFAULT-VALUE})")
    double progressSeconds;

    @Option(names = "--checkpoint-interval", paramLabel = "SECONDS", defaultValue = "600",
            description = "also checkpoint after a step ending this long after the last checkpoint (default ${DEFAULT-VALUE})")
    double checkpointSeconds;

    @Option(names = "--stop-grace", paramLabel = "SECONDS", defaultValue = "100",
            description = "on SIGTERM, wait at most this long for the checkpoint (default ${DEFAULT-VALUE})")
    double stopGraceSeconds;

    @Option(names = "--threads", description = "download connections / checkpoint compression threads (default: cores)")
    Integer threads;

    @Option(names = "--step-delay-ms", hidden = true, defaultValue = "0",
            description = "pause after every step (tests and demos: makes a short run last)")
    long stepDelayMs;

    private final Map<String, String> env;

    public WorkerCommand() {
        this(System.getenv());
    }

    /** With an explicit environment (tests, local mode). */
    public WorkerCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        JsonLog log = JsonLog.of("worker");
        WorkerConfig config;
        ObjectStore objects;
        ProgressStore progress;
        try {
            String jobId = required("JOB_ID");
            if (!JobId.isValid(jobId)) throw new IllegalArgumentException("JOB_ID " + jobId + " is not a job id");
            log = log.with("jobId", jobId);
            int shard = 0;
            String index = env.get("AWS_BATCH_JOB_ARRAY_INDEX");
            if (index != null && !index.isBlank()) {
                try {
                    shard = Integer.parseInt(index.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("AWS_BATCH_JOB_ARRAY_INDEX is not a number: " + index);
                }
            }
            required("BUCKET");
            required("TABLE");
            // Before PyTorch starts: cuDNN picks the fastest convolution algorithms for the (few) tile shapes.
            if (System.getProperty(CUDNN_BENCHMARK) == null) System.setProperty(CUDNN_BENCHMARK, "true");
            int gpus = Engine.getEngine("PyTorch").getGpuCount();
            Device dev = DeviceChoice.resolve(device, gpus, log);
            java.util.List<Device> all = DeviceChoice.all(dev, device, gpus, devices != null ? devices : env.get(DeviceCount.ENV), log);
            Path scratchDir = scratch != null ? scratch : Path.of(System.getProperty("java.io.tmpdir"), "dreamscape-worker");
            int n = threads != null ? threads : Math.max(2, Runtime.getRuntime().availableProcessors());
            config = new WorkerConfig(JobId.of(jobId), shard, dev, weights, scratchDir,
                    Duration.ofMillis(Math.round(progressSeconds * 1000)),
                    Duration.ofMillis(Math.round(checkpointSeconds * 1000)), n, Duration.ofMillis(stepDelayMs), all);
            AwsClients clients = new AwsClients(env);
            objects = clients.objectStore();
            progress = clients.progressStore();
        } catch (RuntimeException e) {
            log.error("bad configuration: " + Worker.message(e), null);
            System.err.println("dreamscape worker: " + Worker.message(e));
            return EXIT_CONFIG;
        }

        Worker worker = new Worker(objects, progress, config, log);
        Duration grace = Duration.ofMillis(Math.round(stopGraceSeconds * 1000));
        JsonLog hookLog = log;
        AtomicInteger exit = new AtomicInteger(-1);
        CountDownLatch decided = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            hookLog.info("SIGTERM: stopping at the next step boundary with a checkpoint", "graceSeconds", grace.toSeconds());
            worker.requestStop();
            try {
                if (!decided.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    hookLog.warn("the worker did not stop within the grace period");
                } else if (exit.get() == EXIT_OK) {
                    // The result made it to S3 during the grace period: say so with the exit status, not 143.
                    System.out.flush();
                    Runtime.getRuntime().halt(EXIT_OK);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "worker-sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            exit.set(switch (worker.run()) {
                case COMPLETED -> EXIT_OK;
                case INTERRUPTED -> EXIT_INTERRUPTED;
                case JOB_STOPPED -> EXIT_JOB_STOPPED;
            });
        } catch (WorkerException e) {
            System.err.println("dreamscape worker: " + e.getMessage());
            exit.set(e.kind() == WorkerException.Kind.PERMANENT ? EXIT_FAILED : EXIT_UNAVAILABLE);
        } catch (RuntimeException | Error e) {
            exit.set(EXIT_FAILED);
            throw e;
        } finally {
            decided.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM: the hook is running and the JVM exits once it returns
            }
        }
        return exit.get();
    }

    private String required(String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return v.trim();
    }
}
