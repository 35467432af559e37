package io.dreamscape.local;

import ai.djl.engine.Engine;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.ParameterLayers;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dreamscape local}: the cloud workflow on this machine (see {@link LocalMode}). Runs until stopped (Ctrl-C or
 * SIGTERM: running shards checkpoint first; after a SIGKILL they resume from their last checkpoint at the next start).
 */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole workflow on this machine: an S3-compatible endpoint with a bucket in a folder, "
                + "a job queue with GPU/CPU workers, and a status page with an upload form.",
                "Drop images into <data>/<bucket>/uploads/ (or upload them to the S3 endpoint or the page) and watch "
                        + "http://127.0.0.1:<port>/."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:failed to start", "2:bad options"})
public final class LocalCommand implements Callable<Integer> {
    /**
     * Local mode's worker intervals, shorter than the cloud worker's ({@code --progress-interval 10},
     * {@code --checkpoint-interval 600}): a page on this machine is watching. {@link ShardProcess} falls back to them.
     */
    static final String PROGRESS_SECONDS = "1";
    static final String CHECKPOINT_SECONDS = "60";

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "dreamscape-data",
            description = "data folder: the bucket, the job database, scratch (default ./${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--port", defaultValue = "8080", description = "status page and API port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--s3-port", defaultValue = "9090", description = "S3 endpoint port (default ${DEFAULT-VALUE})")
    int s3Port;

    @Option(names = "--bucket", defaultValue = "dreamscape", description = "bucket name (default ${DEFAULT-VALUE})")
    String bucket;

    @Option(names = "--workers", paramLabel = "N",
            description = "jobs dreamed at once (default: one per GPU, or 1 on CPU); workers are spread over the GPUs")
    Integer workers;

    @Option(names = "--model", paramLabel = "FILE.pt",
            description = "default model for uploads that name none: a TorchScript file, copied into the bucket's "
                    + "models/ folder (default: the built-in googlenet)")
    Path model;

    @Option(names = "--device-memory", paramLabel = "SIZE",
            description = "device memory budget for uploads that set none (e.g. 512M, 20G): octaves that fit stay on "
                    + "the device for all their steps (default: 80%% of a GPU's free memory; 0 = streamed on the CPU)")
    String deviceMemory;

    @Option(names = "--params", paramLabel = "FILE.json",
            description = "default parameters for every upload (same names as dreamscape dream --params); an upload's "
                    + "preset folder and x-amz-meta-dreamscape override them")
    Path params;

    @Option(names = "--weights", paramLabel = "PATH",
            description = "GoogLeNet weights file (googlenet-1378be20.pth); else the cache or a download")
    Path weights;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE}). Another address serves the page, the token "
                    + "and your images over plain HTTP: prefer an SSH tunnel (see README)")
    String bind;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:DREAMSCAPE_TOKEN}",
            description = "the page's and API's token (Authorization: Bearer; beyond loopback also the S3 secret key of "
                    + "access key 'dreamscape'), at least 16 characters; default $DREAMSCAPE_TOKEN, else a fresh random "
                    + "one at every start")
    String token;

    @Option(names = "--allow-host", paramLabel = "NAME", split = ",",
            description = "another host name the servers answer to (besides localhost, loopback and the bound address), "
                    + "e.g. the name you reach this machine by; repeatable")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "serve the page, the API and the S3 endpoint over HTTPS with the key and certificate in this "
                    + "PKCS12 or JKS file (e.g. made with keytool or mkcert)")
    Path tlsKeystore;

    @Option(names = "--tls-password", paramLabel = "PASSWORD", defaultValue = "${env:DREAMSCAPE_TLS_PASSWORD}",
            description = "the keystore's password; default $DREAMSCAPE_TLS_PASSWORD")
    String tlsPassword;

    @Option(names = "--max-upload", paramLabel = "SIZE", defaultValue = "4G",
            description = "largest upload through the page: bytes or with K, M, G (binary); larger gets 413 "
                    + "(default ${DEFAULT-VALUE})")
    String maxUpload;

    @Option(names = "--progress-seconds", hidden = true, defaultValue = PROGRESS_SECONDS)
    double progressSeconds;

    @Option(names = "--checkpoint-seconds", hidden = true, defaultValue = CHECKPOINT_SECONDS)
    double checkpointSeconds;

    @Option(names = "--step-delay-ms", hidden = true, defaultValue = "0", description = "tests and demos: pause per step")
    long stepDelayMs;

    @Option(names = "--scan-ms", hidden = true, defaultValue = "1000")
    long scanMs;

    @Override
    public Integer call() {
        PrintWriter err = new PrintWriter(System.err, true);
        LocalMode.Config config;
        try {
            ParameterOverrides defaults = siteDefaults();
            config = new LocalMode.Config(data, bind, port, s3Port, bucket, workers == null ? 0 : workers,
                    token == null || token.isBlank() ? null : token.strip(), Duration.ofMillis(Math.max(100, scanMs)),
                    defaults, allowHosts, parseSize(maxUpload),
                    tlsKeystore == null ? null : new LocalMode.Tls(tlsKeystore, tlsPassword));
            if (tlsKeystore != null && !Files.isRegularFile(tlsKeystore)) {
                throw new IllegalArgumentException("--tls-keystore " + tlsKeystore + ": file not found");
            }
            if (workers != null && workers < 1) {
                throw new IllegalArgumentException("--workers " + workers + ": at least 1");
            }
            if (model != null && (!Files.isRegularFile(model) || !model.getFileName().toString().endsWith(".pt"))) {
                throw new IllegalArgumentException("--model " + model + ": not a TorchScript .pt file");
            }
            if (weights != null && !Files.isRegularFile(weights)) {
                throw new IllegalArgumentException("--weights " + weights + ": file not found");
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println("dreamscape local: " + e.getMessage());
            return 2;
        }
        LocalMode mode;
        try {
            int gpus = Engine.getEngine("PyTorch").getGpuCount();
            LocalMode.DreamerFactory dreamers = (objects, progress) -> new ProcessShardDreamer(data, bucket, weights,
                    Duration.ofMillis((long) (progressSeconds * 1000)), Duration.ofMillis((long) (checkpointSeconds * 1000)),
                    Duration.ofMillis(stepDelayMs), progress, JsonLog.of("dreamscape-local"));
            if (model != null) {
                // Before start: the first scan validates uploads that name this model, and Validate checks it exists.
                Path models = data.toAbsolutePath().resolve(bucket).resolve("models");
                Files.createDirectories(models);
                Files.copy(model, models.resolve(model.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                String name = model.getFileName().toString();
                Path sidecar = model.resolveSibling(name.substring(0, name.length() - 3) + ".json");
                if (Files.isRegularFile(sidecar)) { // output names of a tuple-returning model
                    Files.copy(sidecar, models.resolve(sidecar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            mode = LocalMode.start(config, dreamers, gpus);
            err.printf("%ndreamscape local is running (%d worker%s on %s)%n", mode.workers(), mode.workers() == 1 ? "" : "s",
                    gpus > 0 ? gpus + " GPU" + (gpus == 1 ? "" : "s") : "the CPU");
            err.printf("  status page and upload form:  %s%n", mode.pageUrlWithToken());
            err.printf("  drop images into:             %s%n", mode.uploadsFolder());
            err.printf("  S3 endpoint (path-style):     %s  bucket '%s'%s%n", mode.s3Endpoint(), bucket,
                    isLoopback(bind) ? ", any access key" : ", access key 'dreamscape', secret = the token");
            if (config.token() == null) {
                err.printf("  token (new at every start):   %s  (scripts: Authorization: Bearer TOKEN)%n", mode.token());
            }
            err.printf("  results appear in:            %s%n", data.toAbsolutePath().resolve(bucket).resolve(StorageLayout.OUTPUTS));
            err.println("Stop with Ctrl-C; unfinished jobs resume at the next start.");
            if (!isLoopback(bind) && tlsKeystore == null) {
                err.println();
                err.println("WARNING: --bind " + bind + " serves this machine's page, API and bucket beyond loopback over PLAIN "
                        + "HTTP:");
                err.println("WARNING: the token and your images cross the network unencrypted; anyone on the path can read");
                err.println("WARNING: them. Prefer the default 127.0.0.1 and an SSH tunnel from the other machine:");
                err.println("WARNING:   ssh -N -L " + port + ":127.0.0.1:" + port + " -L " + s3Port + ":127.0.0.1:" + s3Port
                        + " USER@THIS-MACHINE");
                err.println("WARNING: or serve HTTPS with --tls-keystore FILE.p12 --tls-password …");
            }
        } catch (IllegalArgumentException e) {
            err.println("dreamscape local: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("dreamscape local: cannot start: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("DREAMSCAPE_DEBUG") != null) e.printStackTrace(err);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mode.close();
            stopped.countDown();
        }, "dreamscape-local-stop"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * The site's default parameters: {@code --params} with {@code --model}'s file name and {@code --device-memory} on
     * top, checked against the schema as a layer of {@link ParameterLayers}; null when none is given.
     */
    private ParameterOverrides siteDefaults() throws IOException {
        ParameterOverrides fromFile = ParameterOverrides.NONE;
        if (params != null) {
            if (!Files.isRegularFile(params)) throw new IllegalArgumentException("--params file not found: " + params);
            String text = Files.readString(params);
            try {
                fromFile = ParameterJson.parse(text); // strict: trailing text and fractions for whole numbers are refused
            } catch (ParameterException e) {
                throw new IllegalArgumentException("--params " + params + ": " + e.getMessage());
            }
            if (text.isBlank() || fromFile == null) { // an empty file or a bare null
                throw new IllegalArgumentException("--params " + params + ": not a JSON object");
            }
        }
        ParameterOverrides site = fromFile.then(ParameterOverrides.builder()
                .model(model == null ? null : model.getFileName().toString())
                .deviceMemory(deviceMemory)
                .build());
        if (site.equals(ParameterOverrides.NONE)) return null;
        try {
            ParameterLayers.NONE.withSite(site).resolve();
        } catch (ParameterException e) {
            throw new IllegalArgumentException("--params/--model: " + e.getMessage());
        }
        return site;
    }

    /** {@code 4G}, {@code 10M}, {@code 512K} (binary units) or a number of bytes. */
    static long parseSize(String text) {
        String t = text == null ? "" : text.strip().toUpperCase(java.util.Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,15})([KMGT]?)I?B?").matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("--max-upload " + text + ": write a size like 4G, 500M, 64K or a number of bytes");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("--max-upload " + text + ": between 1 byte and 8 EiB");
        }
        return n << shift;
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
