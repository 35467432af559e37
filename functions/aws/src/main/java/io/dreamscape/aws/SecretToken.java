package io.dreamscape.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A secret string read from Secrets Manager on first use and kept in memory for {@code ttl}, so the value is never in
 * the function's environment or template, costs one call per execution environment and TTL, and a rotated value
 * (put-secret-value) reaches running functions within the TTL without a deploy.
 *
 * <p>First use, not construction: the status function uses SnapStart, and anything read during initialisation would
 * be written into its snapshot. When a refresh fails, the value already held stays in use (Secrets Manager being
 * briefly unreachable must not lock the owner out); without one the error propagates.
 */
public final class SecretToken implements Supplier<String> {
    private final SecretsManagerClient client;
    private final String secretId;
    private final Duration ttl;
    private final Clock clock;
    private String value;
    private Instant fetchedAt;

    public SecretToken(SecretsManagerClient client, String secretId, Duration ttl, Clock clock) {
        this.client = client;
        this.secretId = secretId;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public synchronized String get() {
        Instant now = clock.instant();
        if (value != null && now.isBefore(fetchedAt.plus(ttl))) {
            return value;
        }
        try {
            String fresh = client.getSecretValue(r -> r.secretId(secretId)).secretString();
            if (fresh == null || fresh.isBlank()) {
                throw new IllegalStateException("the secret " + secretId + " has no string value");
            }
            value = fresh.strip();
            fetchedAt = now;
        } catch (RuntimeException e) {
            if (value == null) {
                throw e;
            }
        }
        return value;
    }
}
