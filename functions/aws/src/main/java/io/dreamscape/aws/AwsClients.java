package io.dreamscape.aws;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the SDK clients once per Lambda container from the environment: {@code AWS_REGION} (set by Lambda),
 * optional {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL_DYNAMODB} (a non-AWS endpoint: S3 then uses
 * path-style addressing), the URL-connection HTTP client (no Apache/Netty), default credentials chain.
 */
public final class AwsClients {
    private final Map<String, String> env;

    public AwsClients(Map<String, String> env) {
        this.env = env;
    }

    public static AwsClients fromEnvironment() {
        return new AwsClients(System.getenv());
    }

    public String require(String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set");
        }
        return v;
    }

    public String get(String name, String otherwise) {
        String v = env.get(name);
        return v == null || v.isBlank() ? otherwise : v;
    }

    private Region region() {
        return Region.of(get("AWS_REGION", get("AWS_DEFAULT_REGION", "us-east-1")));
    }

    public S3Client s3() {
        S3ClientBuilder b = S3Client.builder().region(region()).httpClientBuilder(UrlConnectionHttpClient.builder());
        String endpoint = env.get("AWS_ENDPOINT_URL_S3");
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        return b.build();
    }

    public S3Presigner presigner() {
        S3Presigner.Builder b = S3Presigner.builder().region(region());
        String endpoint = env.get("AWS_ENDPOINT_URL_S3");
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint))
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return b.build();
    }

    /** Optional {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}: a non-AWS endpoint (tests). */
    public SecretsManagerClient secretsManager() {
        SecretsManagerClientBuilder b = SecretsManagerClient.builder().region(region())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        String endpoint = env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER");
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint));
        }
        return b.build();
    }

    public DynamoDbClient dynamo() {
        DynamoDbClientBuilder b = DynamoDbClient.builder().region(region())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        String endpoint = env.get("AWS_ENDPOINT_URL_DYNAMODB");
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint));
        }
        return b.build();
    }

    public S3ObjectStore objectStore() {
        return new S3ObjectStore(s3(), presigner(), require("BUCKET"));
    }

    public DynamoProgressStore progressStore() {
        return new DynamoProgressStore(dynamo(), require("TABLE"));
    }
}
