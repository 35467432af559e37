package io.dreamscape.aws;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Source;
import io.dreamscape.testing.Loopback;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Lambda runtime path: clients built from environment variables, pointed at the loopback servers. */
class AwsClientsTest {
    @Test
    void buildsWorkingStoresFromTheEnvironment() throws Exception {
        Loopback lo = Loopback.get();
        String bucket = lo.newBucket().bucket();
        String table = "env-" + System.nanoTime();
        DynamoProgressStore.createTable(lo.dynamo, table);
        String oldKey = System.getProperty("aws.accessKeyId");
        System.setProperty("aws.accessKeyId", Loopback.ACCESS);
        System.setProperty("aws.secretAccessKey", Loopback.SECRET);
        try {
            AwsClients aws = new AwsClients(Map.of("BUCKET", bucket, "TABLE", table, "AWS_REGION", "eu-west-1",
                    "AWS_ENDPOINT_URL_S3", lo.s3Endpoint.toString(), "AWS_ENDPOINT_URL_DYNAMODB", lo.dynamoEndpoint.toString()));
            S3ObjectStore objects = aws.objectStore();
            objects.put("k", "v".getBytes(StandardCharsets.UTF_8), "text/plain");
            assertEquals(1, objects.head("k").orElseThrow().size());
            DynamoProgressStore progress = aws.progressStore();
            Job j = Job.received(JobId.random(), new Source(bucket, "uploads/a.jpg", null, "e", 1), Instant.now());
            assertTrue(progress.create(j));
            assertTrue(progress.get(j.jobId()).isPresent());
            assertThrows(IllegalStateException.class, () -> new AwsClients(Map.of()).objectStore());
        } finally {
            if (oldKey == null) {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        }
    }
}
