package io.dreamscape.handlers;

import io.dreamscape.aws.AwsClients;
import io.dreamscape.aws.SecretToken;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.FailService;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.ValidateService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The object graph of a Lambda container, built once (cold start) from the environment:
 * <ul>
 *   <li>{@code BUCKET}, {@code TABLE} (required); {@code AWS_REGION} (set by Lambda);
 *   {@code AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL_DYNAMODB} (optional, non-AWS endpoints)</li>
 *   <li>{@code MAX_PIXELS}, {@code MAX_TOTAL_WORK} ({@link Limits}); {@code GPU_WORK_UNITS_PER_SECOND},
 *   {@code TARGET_SHARD_SECONDS}, {@code MAX_SHARDS}, {@code GPU_DOLLARS_PER_HOUR}, {@code SHARD_OVERHEAD_SECONDS},
 *   {@code HALO_PIXELS} ({@link PlannerConfig})</li>
 *   <li>{@code STATUS_TOKEN_SECRET_ARN} (the Secrets Manager secret holding the bearer token for listing jobs; the
 *   AWS deployment sets this), else {@code STATUS_TOKEN} (the token itself: local use and tests; neither = listing
 *   disabled), {@code URL_TTL_SECONDS}
 *   (presigned URL lifetime, default 900, at most 3600), {@code SCRATCH_DIR} (default /tmp)</li>
 * </ul>
 */
final class Wiring {
    private static volatile Wiring instance;
    static volatile boolean coldStart = true;

    final Map<String, String> env;
    final ObjectStore objects;
    final ProgressStore progress;
    final Clock clock = Clock.systemUTC();
    /** A rotated status token reaches warm functions within this time. */
    static final Duration STATUS_TOKEN_TTL = Duration.ofMinutes(5);
    private final AwsClients aws;

    private Wiring(Map<String, String> env) {
        this.aws = new AwsClients(env);
        this.env = env;
        this.objects = aws.objectStore();
        this.progress = aws.progressStore();
    }

    static Wiring get() {
        Wiring w = instance;
        if (w == null) {
            synchronized (Wiring.class) {
                if (instance == null) {
                    instance = new Wiring(System.getenv());
                }
                w = instance;
            }
        }
        return w;
    }

    /** True on the first invocation in this container only. */
    static boolean takeColdStart() {
        boolean c = coldStart;
        coldStart = false;
        return c;
    }

    ValidateService validate() {
        return new ValidateService(objects, progress, Limits.fromEnv(env), clock);
    }

    PlanService plan() {
        return new PlanService(objects, progress, new Planner(PlannerConfig.fromEnv(env)), clock);
    }

    AssembleService assemble() {
        return new AssembleService(objects, progress, Path.of(env.getOrDefault("SCRATCH_DIR", "/tmp")));
    }

    FailService fail() {
        return new FailService(progress, objects, clock);
    }

    StatusService status() {
        return new StatusService(progress, objects, urlTtl(env), clock);
    }

    /** The list route's bearer token, or null (listing disabled). */
    Supplier<String> statusToken() {
        String secret = env.get("STATUS_TOKEN_SECRET_ARN");
        if (secret != null && !secret.isBlank()) {
            return new SecretToken(aws.secretsManager(), secret, STATUS_TOKEN_TTL, clock);
        }
        String token = env.get("STATUS_TOKEN");
        return token == null || token.isBlank() ? null : () -> token;
    }

    static Duration urlTtl(Map<String, String> env) {
        return Duration.ofSeconds(Long.parseLong(env.getOrDefault("URL_TTL_SECONDS", "900")));
    }
}
