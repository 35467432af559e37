package io.dreamscape.testing;

import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The real protocol servers on loopback, started once per test JVM: s3proxy in-process (transient store) for S3, and
 * dynalite (npm, in-memory) as a child process for DynamoDB. Each test asks for a fresh bucket or table.
 */
public final class Loopback {
    public static final String ACCESS = "test-access";
    public static final String SECRET = "test-secret";
    private static Loopback instance;

    private final S3Proxy s3proxy;
    private final Process dynalite;
    public final URI s3Endpoint;
    public final URI dynamoEndpoint;
    public final S3Client s3;
    public final S3Presigner presigner;
    public final DynamoDbClient dynamo;

    private Loopback() throws Exception {
        s3proxy = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        s3proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"STARTED".equals(s3proxy.getState())) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("s3proxy did not start");
            Thread.sleep(10);
        }
        s3Endpoint = URI.create("http://127.0.0.1:" + s3proxy.getPort());

        int port = freePort();
        Path cli = repoRoot().resolve("tests/node_modules/dynalite/cli.js");
        if (!Files.exists(cli)) {
            throw new IllegalStateException(cli + " is missing: run `npm ci --prefix tests` (bash .ci/install-deps)");
        }
        dynalite = new ProcessBuilder("node", cli.toString(), "--port", Integer.toString(port),
                        "--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        dynamoEndpoint = URI.create("http://127.0.0.1:" + port);
        waitForPort(port);

        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET));
        s3 = S3Client.builder().region(Region.US_EAST_1).credentialsProvider(creds).endpointOverride(s3Endpoint)
                .forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        presigner = S3Presigner.builder().region(Region.US_EAST_1).credentialsProvider(creds).endpointOverride(s3Endpoint)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        dynamo = DynamoDbClient.builder().region(Region.US_EAST_1).credentialsProvider(creds).endpointOverride(dynamoEndpoint)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        // Code under test that builds its own clients (handlers, in-process workers) uses the default credentials
        // chain, where system properties come first.
        System.setProperty("aws.accessKeyId", ACCESS);
        System.setProperty("aws.secretAccessKey", SECRET);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    public static synchronized Loopback get() {
        if (instance == null) {
            try {
                instance = new Loopback();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the loopback servers: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    /** A new empty bucket and its object store. */
    public S3ObjectStore newBucket() {
        String name = "b-" + UUID.randomUUID().toString().substring(0, 12);
        s3.createBucket(b -> b.bucket(name));
        return new S3ObjectStore(s3, presigner, name);
    }

    /** A new empty table (the production schema) and its progress store. */
    public DynamoProgressStore newTable() {
        return newNamedTable().store();
    }

    /** A table's name (for a child process's environment) and its progress store. */
    public record Table(String name, DynamoProgressStore store) {
    }

    public Table newNamedTable() {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 12);
        DynamoProgressStore.createTable(dynamo, name);
        return new Table(name, new DynamoProgressStore(dynamo, name));
    }

    private void stop() {
        dynalite.destroy();
        try {
            s3proxy.stop();
        } catch (Exception ignored) {
            // JVM is exiting
        }
    }

    /** The repository root: the folder holding tests/package.json, found upwards from the working directory. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("tests/package.json"))) {
            p = p.getParent();
        }
        if (p == null) throw new IllegalStateException("repository root (with tests/package.json) not found");
        return p;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!dynalite.isAlive()) throw new IllegalStateException("dynalite exited with " + dynalite.exitValue());
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
