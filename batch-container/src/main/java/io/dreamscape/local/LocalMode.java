package io.dreamscape.local;

import ai.djl.Device;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.FailService;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.ValidateService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * The whole workflow on one machine, wired from the same services as the Lambdas with local adapters:
 * <ul>
 *   <li>an S3-compatible endpoint (s3proxy) over a filesystem store rooted at the data folder: the bucket is the
 *   folder {@code <data>/<bucket>/}, so a file copied into {@code <data>/<bucket>/uploads/} is an upload too;</li>
 *   <li>uploads detected by a hook on the store's puts/copies/multipart completions and by a scan of {@code uploads/}
 *   (at start, then every second);</li>
 *   <li>the progress store on an embedded H2 database in {@code <data>/.dreamscape/};</li>
 *   <li>a {@link JobRunner} with one worker per device;</li>
 *   <li>the status API and page plus an upload form ({@link WebServer}).</li>
 * </ul>
 * Everything listens on loopback unless {@code bind} is another address. Both servers refuse foreign Host names and
 * requests from other web sites ({@link LocalAccess}); listing and uploading on the web API need the token (fresh at
 * each start unless given), and beyond loopback the S3 endpoint wants it as the secret key of access key
 * {@code dreamscape}. On loopback the S3 endpoint takes any access key.
 */
public final class LocalMode implements AutoCloseable {
    /** The S3 access key when the endpoint is opened beyond loopback (the secret is the token). */
    public static final String ACCESS_KEY = "dreamscape";
    public static final String STATE_FOLDER = ".dreamscape";

    /** A keystore (PKCS12 or JKS) holding the servers' key and certificate, for HTTPS on both ports. */
    public record Tls(Path keystore, String password) {
    }

    /**
     * {@code siteDefaults}: parameters that apply to every upload unless it (or its preset folder) sets them itself;
     * null for none ({@link io.dreamscape.job.ParameterLayers}). {@code tls}: null for plain HTTP.
     */
    public record Config(Path data, String bind, int port, int s3Port, String bucket, int workers, String token,
                         Duration scanEvery, ParameterOverrides siteDefaults, List<String> allowHosts, long maxUpload,
                         Tls tls) {
        /** Page uploads up to 4 GiB: a 1-gigapixel JPEG or PNG fits. */
        public static final long DEFAULT_MAX_UPLOAD = 4L << 30;

        public Config(Path data, String bind, int port, int s3Port, String bucket, int workers, String token,
                      Duration scanEvery, ParameterOverrides siteDefaults) {
            this(data, bind, port, s3Port, bucket, workers, token, scanEvery, siteDefaults, List.of(), DEFAULT_MAX_UPLOAD,
                    null);
        }

        public Config {
            allowHosts = allowHosts == null ? List.of() : List.copyOf(allowHosts);
            if (maxUpload < 1) {
                throw new IllegalArgumentException("--max-upload " + maxUpload + ": at least 1 byte");
            }
            if (token != null && token.length() < 16) {
                throw new IllegalArgumentException("--token: at least 16 characters (or leave it out for a fresh random one)");
            }
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("--bucket " + bucket + ": use 3-63 lowercase letters, digits, '.' or '-'");
            }
            if (workers < 0) {
                throw new IllegalArgumentException("--workers " + workers + ": at least 1");
            }
        }
    }

    /** Builds the shard dreamer on local mode's own stores. */
    @FunctionalInterface
    public interface DreamerFactory {
        ShardDreamer create(ObjectStore objects, H2ProgressStore progress);
    }

    private final Config config;
    private final JsonLog log = JsonLog.of("dreamscape-local");
    private final List<AutoCloseable> open = new ArrayList<>();
    private JobRunner runner;
    private WebServer web;
    private S3Proxy s3proxy;
    private URI pageUrl;
    private URI s3Endpoint;
    private Path uploadsFolder;
    private String token;

    private LocalMode(Config config) {
        this.config = config;
    }

    /**
     * Starts everything; {@code dreamers} makes what dreams one shard, {@code gpus} is the number of GPUs to spread the
     * workers over (0 = CPU only).
     */
    public static LocalMode start(Config config, DreamerFactory dreamers, int gpus) throws Exception {
        LocalMode m = new LocalMode(config);
        try {
            m.boot(dreamers, gpus);
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    private void boot(DreamerFactory dreamers, int gpus) throws Exception {
        Clock clock = Clock.systemUTC();
        Map<String, String> env = System.getenv();
        Path data = config.data().toAbsolutePath().normalize();
        Path state = data.resolve(STATE_FOLDER);
        Path scratch = state.resolve("scratch");
        Files.createDirectories(scratch);
        Housekeeping.ownerOnly(state);
        InetAddress bindAddress = InetAddress.getByName(config.bind());
        boolean loopback = bindAddress.isLoopbackAddress();
        token = config.token() != null ? config.token() : LocalAccess.newToken();
        LocalAccess access = new LocalAccess(LocalAccess.allowedHosts(bindAddress, config.allowHosts()), token);

        H2ProgressStore progress = H2ProgressStore.open(state); // holds a lock: a second local mode on this folder stops here
        open.add(progress);
        int cleaned = Housekeeping.emptyFolder(scratch); // what a kill -9 left; nothing of ours runs yet
        if (cleaned > 0) {
            log.info("removed scratch left by an earlier run", "entries", cleaned);
        }

        BlobStore files = new KeyRules(new BucketsOnly(new FilesystemNio2BlobStore(data.toString())));
        if (!files.containerExists(config.bucket())) {
            files.createContainer(config.bucket());
        }
        uploadsFolder = data.resolve(config.bucket()).resolve("uploads");
        Files.createDirectories(uploadsFolder);
        BlobStore blobs = new UploadHook(files, config.bucket(), key -> runner.submitUpload(key));

        String host = loopback ? hostText(bindAddress)
                : bindAddress.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostName() : hostText(bindAddress);
        UrlSigner signer = new UrlSigner(clock);
        LocalObjectStore objects = new LocalObjectStore(blobs, config.bucket(), signer::sign, config.siteDefaults());

        ValidateService validate = new ValidateService(objects, progress, Limits.fromEnv(env), clock,
                objects.siteDefaults());
        PlanService plan = new PlanService(objects, progress, new Planner(PlannerConfig.fromEnv(env)), clock);
        AssembleService assemble = new AssembleService(objects, progress, scratch);
        FailService fail = new FailService(progress, objects, clock);
        StatusService status = new StatusService(progress, objects, Duration.ofMinutes(15), clock);

        int workers = config.workers() > 0 ? config.workers() : Math.max(1, gpus);
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            devices.add(gpus > 0 ? Device.gpu(i % gpus) : Device.cpu());
        }
        ShardDreamer dreamer = dreamers.create(objects, progress);
        runner = new JobRunner(objects, progress, validate, plan, assemble, fail, dreamer, devices, log,
                id -> Housekeeping.removeJobWork(blobs, config.bucket(), id));
        open.add(runner);
        open.add(dreamer::stopAll); // closed in reverse: shards checkpoint and return before the runner is joined

        // On loopback any access key (scripts on this machine); beyond it the token is the secret key. Either way the
        // guard refuses foreign Host names and web pages of other origins.
        AuthenticationType auth = loopback ? AuthenticationType.NONE : AuthenticationType.AWS_V2_OR_V4;
        SSLContext tls = config.tls() == null ? null : sslContext(config.tls());
        String scheme = tls == null ? "http" : "https";
        S3Proxy.Builder s3 = S3Proxy.builder().blobStore(blobs)
                .awsAuthentication(auth, loopback ? null : ACCESS_KEY, loopback ? null : token);
        URI listen = URI.create(scheme + "://" + hostText(bindAddress) + ":" + config.s3Port());
        s3proxy = (tls == null ? s3.endpoint(listen) : s3.secureEndpoint(listen).sslContext(tls))
                .maxSinglePartObjectSize(Math.min(config.maxUpload(), 5L << 30))
                .ignoreUnknownHeaders(true)
                .build();
        S3EndpointGuard.install(s3proxy, access);
        s3proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"STARTED".equals(s3proxy.getState())) {
            if ("FAILED".equals(s3proxy.getState()) || System.nanoTime() > deadline) {
                throw new IOException("the S3 endpoint did not start on " + config.bind() + ":" + config.s3Port()
                        + " (state " + s3proxy.getState() + "; is the port in use? choose another with --s3-port)");
            }
            Thread.sleep(10);
        }
        s3Endpoint = URI.create(scheme + "://" + host + ":" + (tls == null ? s3proxy.getPort() : s3proxy.getSecurePort()));

        try {
            web = new WebServer(new InetSocketAddress(bindAddress, config.port()), status, objects, blobs, signer, token,
                    scratch, s3Endpoint.toString(), runner::pending, log, tls);
        } catch (java.net.BindException e) {
            throw new IOException("the web port " + config.port() + " is in use: choose another with --port", e);
        }
        open.add(web);
        web.guard(new LocalAccessFilter(access, web.port(), tls != null));
        web.maxUpload(config.maxUpload());
        pageUrl = URI.create(scheme + "://" + host + ":" + web.port() + "/");
        signer.base(pageUrl.toString());
        web.start();

        runner.start();
        runner.resumeUnfinished();
        int swept = Housekeeping.sweepFinishedJobs(data.resolve(config.bucket()), blobs, config.bucket(), progress);
        if (swept > 0) { // jobs that ended before this version, or just before a crash
            log.info("removed shards and checkpoints of finished jobs", "objects", swept);
        }
        UploadScanner scanner = new UploadScanner(blobs, config.bucket(), runner::submitUpload,
                o -> runner.alreadyHandled(o.key(), o.size() == null ? -1 : o.size(), o.lastModified()),
                Duration.ofMillis(Math.min(1000, config.scanEvery().toMillis())), clock);
        ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dreamscape-scan");
            t.setDaemon(true);
            return t;
        });
        open.add(every::shutdownNow);
        every.scheduleWithFixedDelay(() -> {
            try {
                scanner.scan();
            } catch (RuntimeException e) {
                log.error("scan of uploads/ failed", e);
            }
        }, 0, config.scanEvery().toMillis(), TimeUnit.MILLISECONDS);
        log.info("local mode started", "page", pageUrl.toString(), "s3Endpoint", s3Endpoint.toString(),
                "bucket", config.bucket(), "data", data.toString(), "workers", workers, "devices", devices.toString());
    }

    /** The servers' TLS context from {@code --tls-keystore}, with a sentence when the file or password is wrong. */
    static SSLContext sslContext(Tls tls) {
        char[] password = tls.password() == null ? new char[0] : tls.password().toCharArray();
        try {
            KeyStore ks = KeyStore.getInstance(tls.keystore().toFile(), password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore " + tls.keystore() + ": cannot read a key and certificate "
                    + "from it (" + e.getMessage() + "); give a PKCS12 or JKS file and its --tls-password", e);
        }
    }

    private static String hostText(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    public URI pageUrl() {
        return pageUrl;
    }

    /** The page's address with the token, as printed at start: opening it lets the page list and upload. */
    public URI pageUrlWithToken() {
        return URI.create(pageUrl + "?token=" + token);
    }

    /** This start's token (given or made): {@code Authorization: Bearer}, and beyond loopback the S3 secret key. */
    public String token() {
        return token;
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    public Path uploadsFolder() {
        return uploadsFolder;
    }

    public int workers() {
        return runner.workers();
    }

    @Override
    public void close() {
        if (s3proxy != null) {
            try {
                s3proxy.stop();
            } catch (Exception e) {
                log.warn("S3 endpoint did not stop cleanly", "error", e.toString());
            }
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                log.warn("shutdown step failed", "error", e.toString());
            }
        }
        open.clear();
    }
}
