package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.*;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.service.StatusService;
import io.dreamscape.testing.Loopback;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final StatusService service = new StatusService(progress, objects, Duration.ofMinutes(5), Clock.systemUTC());
    private final StatusHandler handler = new StatusHandler(service, "token-123");

    private Job job(String key, Instant created) throws Exception {
        Job j = Job.received(JobId.random(), new Source(objects.bucket(), key, null, "e" + created, 1), created);
        progress.create(j);
        return j;
    }

    private static APIGatewayV2HTTPResponse call(StatusHandler h, String path, Map<String, String> query, String auth) {
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/status-list.json");
        e.setRawPath(path);
        e.setQueryStringParameters(query == null ? null : new HashMap<>(query));
        Map<String, String> headers = new HashMap<>(e.getHeaders());
        if (auth != null) headers.put("authorization", auth);
        e.setHeaders(headers);
        return h.handleRequest(e, null);
    }

    @Test
    void aJobIsReadableByItsIdAlone() throws Exception {
        Job j = job("uploads/a.jpg", Instant.now());
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/status-get-job.json");
        e.setRawPath("/jobs/" + j.jobId());
        APIGatewayV2HTTPResponse r = handler.handleRequest(e, null);
        assertEquals(200, r.getStatusCode());
        assertEquals("application/json", r.getHeaders().get("content-type"));
        JsonNode n = JSON.readTree(r.getBody());
        for (String field : List.of("jobId", "state", "percent", "sourceKey", "error", "outputKey", "outputUrl",
                "previewUrl", "createdAt", "updatedAt", "etaSeconds", "currentOctave", "shards")) {
            assertTrue(n.has(field), "missing field " + field);
        }
        assertEquals("RECEIVED", n.get("state").asText());
        assertEquals("uploads/a.jpg", n.get("sourceKey").asText());
        assertTrue(n.get("outputUrl").isNull());
    }

    @Test
    void unknownAndMalformedIdsAreNotFound() {
        assertEquals(404, call(handler, "/jobs/" + JobId.random(), null, null).getStatusCode());
        assertEquals(404, call(handler, "/jobs/../../etc", null, null).getStatusCode());
        assertEquals(404, call(handler, "/nothing", null, null).getStatusCode());
    }

    @Test
    void listingNeedsTheToken() throws Exception {
        job("uploads/a.jpg", Instant.now());
        APIGatewayV2HTTPResponse none = call(handler, "/jobs", null, null);
        assertEquals(401, none.getStatusCode());
        assertEquals("Bearer", none.getHeaders().get("www-authenticate"));
        assertEquals(401, call(handler, "/jobs", null, "Bearer wrong").getStatusCode());
        assertEquals(401, call(handler, "/jobs", null, "token-123").getStatusCode());
        assertEquals(200, call(handler, "/jobs", null, "Bearer token-123").getStatusCode());
        assertEquals(200, call(handler, "/prod/jobs", null, "bearer token-123").getStatusCode(), "stage prefix and case");
        StatusHandler disabled = new StatusHandler(service, null);
        assertEquals(403, call(disabled, "/jobs", null, "Bearer token-123").getStatusCode());
    }

    @Test
    void listsNewestFirstInPagesFilteredByKey() throws Exception {
        Instant t = Instant.parse("2026-05-01T10:00:00Z");
        for (int i = 0; i < 5; i++) job(i < 3 ? "uploads/same.jpg" : "uploads/other" + i + ".jpg", t.plusSeconds(i));
        Set<String> seen = new HashSet<>();
        String next = null;
        String previousCreated = "9999";
        int pages = 0;
        do {
            Map<String, String> q = new HashMap<>(Map.of("limit", "2"));
            if (next != null) q.put("next", next);
            JsonNode page = JSON.readTree(call(handler, "/jobs", q, "Bearer token-123").getBody());
            for (JsonNode j : page.get("jobs")) {
                assertTrue(j.get("createdAt").asText().compareTo(previousCreated) < 0, "newest first");
                previousCreated = j.get("createdAt").asText();
                seen.add(j.get("jobId").asText());
            }
            next = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (next != null && pages < 10);
        assertEquals(5, seen.size());
        assertTrue(pages >= 3);
        JsonNode same = JSON.readTree(call(handler, "/jobs", Map.of("key", "uploads/same.jpg"), "Bearer token-123").getBody());
        assertEquals(3, same.get("jobs").size());
        assertEquals(400, call(handler, "/jobs", Map.of("limit", "1000"), "Bearer token-123").getStatusCode());
        assertEquals(400, call(handler, "/jobs", Map.of("next", "bogus"), "Bearer token-123").getStatusCode());
    }

    @Test
    void completedJobsCarryShortLivedDownloadLinks() throws Exception {
        Job j = job("uploads/done.jpg", Instant.now());
        progress.advance(j.jobId(), JobState.ASSEMBLING, JobPatch.NONE);
        progress.transition(j.jobId(), JobState.ASSEMBLING, JobState.COMPLETED,
                JobPatch.completed("outputs/done.dream.jpg", "outputs/done.preview.jpg", "outputs/done.thumb.jpg"));
        JsonNode n = JSON.readTree(call(handler, "/jobs/" + j.jobId(), null, null).getBody());
        URI url = URI.create(n.get("outputUrl").asText());
        assertTrue(url.getQuery().contains("X-Amz-Expires=300"), url.toString());
        assertTrue(n.get("previewUrl").asText().contains("done.preview.jpg"));
        assertThrows(IllegalArgumentException.class,
                () -> new StatusService(progress, objects, Duration.ofHours(2), Clock.systemUTC()));
    }

    @Test
    void servesTheSelfRefreshingPage() {
        APIGatewayV2HTTPResponse r = call(handler, "/", null, null);
        assertEquals(200, r.getStatusCode());
        assertTrue(r.getHeaders().get("content-type").startsWith("text/html"));
        assertTrue(r.getBody().contains("setInterval"));
        assertTrue(r.getBody().contains("jobs/"));
        assertEquals(405, handler.handleRequest(withMethod("POST"), null).getStatusCode());
    }

    private static APIGatewayV2HTTPEvent withMethod(String method) {
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/status-list.json");
        e.getRequestContext().getHttp().setMethod(method);
        return e;
    }
}
