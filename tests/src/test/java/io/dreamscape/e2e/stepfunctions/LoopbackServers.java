package io.dreamscape.e2e.stepfunctions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * S3 (s3proxy, in-process, transient store) and DynamoDB (dynalite, npm, in-memory child process) on loopback, started
 * once per test JVM. The same servers as the functions module's tests use ({@code io.dreamscape.testing.Loopback},
 * which this module cannot reach: functions publishes no test jar).
 */
final class LoopbackServers {
    static final String ACCESS = "test-access";
    static final String SECRET = "test-secret";
    private static LoopbackServers instance;

    final URI s3Endpoint;
    final URI dynamoEndpoint;
    private final S3Proxy s3proxy;
    private final Process dynalite;

    private LoopbackServers() throws Exception {
        quietLogback();
        s3proxy = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        s3proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"STARTED".equals(s3proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start");
            }
            Thread.sleep(10);
        }
        s3Endpoint = URI.create("http://127.0.0.1:" + s3proxy.getPort());

        int port = freePort();
        Path cli = repoRoot().resolve("tests/node_modules/dynalite/cli.js");
        if (!Files.exists(cli)) {
            throw new IllegalStateException(cli + " is missing: run `npm ci --prefix tests` (bash .ci/install-deps)");
        }
        dynalite = new ProcessBuilder("node", cli.toString(), "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        dynamoEndpoint = URI.create("http://127.0.0.1:" + port);
        waitForPort(port);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    /**
     * s3proxy brings logback, which logs every SDK request at DEBUG without a configuration (tens of thousands of
     * lines in CI); this module has no logback-test.xml of its own, so quieten the root logger when logback is bound.
     */
    static void quietLogback() {
        try {
            Object root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (root.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
                Class<?> level = Class.forName("ch.qos.logback.classic.Level");
                root.getClass().getMethod("setLevel", level).invoke(root, level.getField("WARN").get(null));
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // another binding: leave logging as it is configured
        }
    }

    static synchronized LoopbackServers get() {
        if (instance == null) {
            try {
                instance = new LoopbackServers();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the loopback servers: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("tests/package.json"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("repository root (with tests/package.json) not found");
        }
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void stop() {
        dynalite.destroy();
        try {
            s3proxy.stop();
        } catch (Exception ignored) {
            // the JVM is exiting
        }
    }

    private void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!dynalite.isAlive()) {
                throw new IllegalStateException("dynalite exited with " + dynalite.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("dynalite did not listen on " + port);
    }
}
