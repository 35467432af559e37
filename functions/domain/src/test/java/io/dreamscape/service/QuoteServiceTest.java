package io.dreamscape.service;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Source;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuoteServiceTest {
    private final PlannerConfig config = new PlannerConfig(1e6, 600, 64, 2.0, 30, null);
    private final QuoteService quotes = new QuoteService(config, Limits.DEFAULT);

    private Map<String, Object> request(String json) throws Rejection {
        return quotes.quoteRequest(json.getBytes(StandardCharsets.UTF_8), null);
    }

    private String refused(String json) {
        return assertThrows(Rejection.class, () -> request(json)).getMessage();
    }

    @Test
    void aQuoteIsThePlannersPlanForThatSizeAndThoseParameters() throws Exception {
        Map<String, Object> q = request("{\"width\": 12000, \"height\": 8000, \"preset\": \"classic\", \"parameters\": {\"steps\": 20, \"seed\": 5}}");
        DreamParameters p = UploadParameters.resolve("classic", "{\"steps\": 20, \"seed\": 5}");
        Plan plan = new Planner(config).plan(JobId.random(), new Source("b", "uploads/classic/x.jpg", null, "e", 1), "JPEG",
                12000, 8000, p, Instant.now());
        assertEquals(plan.estimate(), q.get("estimate"));
        assertEquals(plan.totalWork(), q.get("totalWork"));
        assertEquals(plan.shardCount(), q.get("shardCount"));
        assertTrue(plan.shardCount() > 1, "a 96 MP image at 1e6 units/s is split");
        assertEquals(p, q.get("parameters"));
        assertEquals(p.octaves(), ((List<?>) q.get("octaves")).size());
        Estimate e = (Estimate) q.get("estimate");
        assertEquals(Math.round(e.gpuSeconds() / 3600 * 2.0 * 1000) / 1000.0, e.costUsd(), 0.0015);
        @SuppressWarnings("unchecked")
        Map<String, Object> workers = (Map<String, Object>) q.get("workers");
        assertTrue((Long) workers.get("peakMemoryBytes") > QuoteService.BASE_BYTES);
        assertTrue((Long) workers.get("scratchBytes") > 0);
    }

    @Test
    void badInputIsRefusedWithASentence() {
        assertTrue(refused("not json").startsWith("the quote request is not JSON"));
        assertTrue(refused("[1, 2]").contains("JSON object"));
        assertTrue(refused("{\"height\": 10}").startsWith("width must be a whole number of pixels"));
        assertTrue(refused("{\"width\": 10.5, \"height\": 10}").startsWith("width must be a whole number"));
        assertTrue(refused("{\"width\": 10, \"height\": -3}").startsWith("height must be"));
        assertTrue(refused("{\"width\": 100000, \"height\": 100000}").contains("the limit is 1000.0 megapixels"));
        assertTrue(refused("{\"width\": 100, \"height\": 100, \"parameters\": {\"steps\": 0}}").contains("steps"));
        assertTrue(refused("{\"width\": 100, \"height\": 100, \"parameters\": \"steps=3\"}").contains("JSON object"));
        assertTrue(refused("{\"width\": 100, \"height\": 100, \"parameters\": {\"layers\": [\"nope\"]}}")
                .contains("unknown layer 'nope'"));
        assertTrue(refused("{\"width\": 100, \"height\": 100, \"preset\": \"nosuch\"}").toLowerCase().contains("preset"));
        assertTrue(refused("{\"width\": 40000, \"height\": 20000, \"parameters\": {\"steps\": 500, \"octaves\": 12}}")
                .contains("work units"));
    }

    @Test
    void defaultsOfTheDeploymentLieUnderTheRequestsOwnParameters() throws Exception {
        Map<String, Object> q = quotes.quoteRequest("{\"width\": 800, \"height\": 600, \"parameters\": {\"octaves\": 2}}"
                .getBytes(StandardCharsets.UTF_8), (key, own) -> {
                    var json = new com.fasterxml.jackson.databind.ObjectMapper();
                    try {
                        var merged = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree("{\"octaves\": 5, \"steps\": 3}");
                        merged.setAll((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(own));
                        return merged.toString();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
        DreamParameters p = (DreamParameters) q.get("parameters");
        assertEquals(3, p.steps());
        assertEquals(2, p.octaves());
    }
}
