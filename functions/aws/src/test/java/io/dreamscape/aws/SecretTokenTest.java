package io.dreamscape.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The status token through the real SDK client against a loopback endpoint that answers Secrets Manager's
 * GetSecretValue as AWS does (JSON 1.1): read on first use, cached for the TTL, refreshed after it, and kept when a
 * refresh fails.
 */
class SecretTokenTest {
    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:StatusToken-AbCdEf";

    private HttpServer server;
    private final AtomicReference<String> secret = new AtomicReference<>("first-token");
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private SecretsManagerClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(target + " " + body);
            byte[] answer = status.get() == 200
                    ? ("{\"ARN\":\"" + ARN + "\",\"Name\":\"StatusToken\",\"SecretString\":\"" + secret.get()
                            + "\",\"VersionId\":\"v1\",\"CreatedDate\":1.7E9}").getBytes(StandardCharsets.UTF_8)
                    : "{\"__type\":\"InternalServiceError\",\"message\":\"down\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status.get(), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        client = SecretsManagerClient.builder()
                .region(Region.EU_WEST_1)
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    @Test
    void readsOnFirstUseCachesForTheTtlAndPicksUpARotation() {
        MutableClock clock = new MutableClock();
        SecretToken token = new SecretToken(client, ARN, Duration.ofMinutes(5), clock);
        assertEquals(0, requests.size(), "nothing is read before first use (SnapStart snapshots the init phase)");

        assertEquals("first-token", token.get());
        assertEquals(1, requests.size());
        assertTrue(requests.get(0).startsWith("secretsmanager.GetSecretValue "), requests.get(0));
        assertTrue(requests.get(0).contains(ARN), "asks for exactly this secret: " + requests.get(0));

        secret.set("rotated-token");
        clock.advance(Duration.ofMinutes(4));
        assertEquals("first-token", token.get(), "cached within the TTL");
        assertEquals(1, requests.size());

        clock.advance(Duration.ofMinutes(2));
        assertEquals("rotated-token", token.get(), "refreshed after the TTL");
        assertEquals(2, requests.size());
    }

    @Test
    void aFailedRefreshKeepsTheValueItHasAndAFailedFirstReadFails() {
        MutableClock clock = new MutableClock();
        SecretToken token = new SecretToken(client, ARN, Duration.ofMinutes(5), clock);
        assertEquals("first-token", token.get());
        status.set(500);
        clock.advance(Duration.ofMinutes(10));
        assertEquals("first-token", token.get());

        SecretToken fresh = new SecretToken(client, ARN, Duration.ofMinutes(5), clock);
        assertThrows(RuntimeException.class, fresh::get);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-02T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
