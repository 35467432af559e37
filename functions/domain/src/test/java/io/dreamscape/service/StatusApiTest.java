package io.dreamscape.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.InMemoryProgressStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The transport-neutral parts of the status API: the one limit parse, the one token comparison, who may list, and
 * which paths are status routes for each transport. The routes with a store behind them are tested through both
 * transports (StatusHandlerTest, DeepZoomRouteTest, WalkthroughTest; local mode's LocalModeTest, WebServerAuthTest).
 */
class StatusApiTest {
    /** No service: every request below is answered before a store would be asked. */
    private final StatusApi cloud = new StatusApi(null, () -> "cloud page", tile -> null,
            ListingAccess.cloud(() -> "tok"), true);
    private final StatusApi local = new StatusApi(null, () -> "local page", tile -> null,
            ListingAccess.workstation("tok", "needs the token"), false);

    private static StatusApi.Request get(String path, String... tokens) {
        return new StatusApi.Request("GET", path, Map.of(), Arrays.asList(tokens));
    }

    @Test
    void aJobsProgressIsServedFromTheInMemoryStoreWithoutAnyServer() throws Exception {
        // The fast service test the in-memory store exists for: the job document and the 404, no dynalite, no S3
        // (a job that is not completed has no URLs to sign, so no object store is asked).
        Clock clock = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);
        InMemoryProgressStore store = new InMemoryProgressStore(clock);
        Job job = Job.received(JobId.random(), new Source("bucket", "uploads/a.jpg", null, "etag", 10), clock.instant());
        assertTrue(store.create(job));
        assertTrue(store.advance(job.jobId(), JobState.VALIDATED, JobPatch.NONE));
        assertTrue(store.transition(job.jobId(), JobState.VALIDATED, JobState.PLANNED,
                JobPatch.planned(null, 200, List.of(100L, 100L), null)));
        assertTrue(store.addWork(job.jobId(), 1, 50, 0, clock.instant()));
        StatusApi api = new StatusApi(new StatusService(store, null, Duration.ofMinutes(5), clock), () -> "page",
                tile -> null, ListingAccess.workstation(null, "x"), false);

        StatusApi.Response found = api.handle(get("/jobs/" + job.jobId())).orElseThrow();
        assertEquals(200, found.status(), found.text());
        assertTrue(found.text().contains("\"state\":\"DREAMING\""), found.text());
        assertTrue(found.text().contains("\"percent\":25.0"), found.text());
        StatusApi.Response missing = api.handle(get("/jobs/" + JobId.random())).orElseThrow();
        assertEquals(404, missing.status());
        assertEquals("{\"error\":\"no such job\"}", missing.text());
    }

    @Test
    void limitIsTwentyByDefaultAndAWholeNumberFromOneToAHundred() {
        assertEquals(OptionalInt.of(20), StatusApi.limit(null));
        assertEquals(OptionalInt.of(1), StatusApi.limit("1"));
        assertEquals(OptionalInt.of(100), StatusApi.limit("100"));
        for (String bad : new String[] {"0", "101", "-3", "x", "2.5", "", "99999999999"}) {
            assertTrue(StatusApi.limit(bad).isEmpty(), bad);
        }
    }

    @Test
    void aBadLimitIsRefusedWithTheSameSentenceEverywhere() throws Exception {
        StatusApi.Response r = local.handle(new StatusApi.Request("GET", "/jobs", Map.of("limit", "1000"),
                List.of("tok"))).orElseThrow();
        assertEquals(400, r.status());
        assertEquals("{\"error\":\"limit must be a number from 1 to 100\"}", r.text());
        assertEquals("no-store", r.headers().get("cache-control"));
    }

    @Test
    void tokensAreComparedWholeAndIgnoringSurroundingSpace() {
        assertTrue(AccessToken.matches(" tok ", "tok"));
        assertFalse(AccessToken.matches("to", "tok"));
        assertFalse(AccessToken.matches("tokk", "tok"));
        assertFalse(AccessToken.matches(null, "tok"));
        assertFalse(AccessToken.matches("tok", null));
        assertEquals("tok", AccessToken.bearer("bearer  tok "));
        assertEquals(null, AccessToken.bearer("Basic dG9r"));
        assertEquals(null, AccessToken.bearer(null));
    }

    @Test
    void theCloudRefusesListingWithoutAConfiguredTokenAndAWrongTokenWith401() throws Exception {
        StatusApi disabled = new StatusApi(null, () -> "", tile -> null, ListingAccess.cloud(null), true);
        StatusApi.Response off = disabled.handle(get("/jobs", "tok")).orElseThrow();
        assertEquals(403, off.status());
        assertEquals("{\"error\":\"listing jobs is disabled (no status token configured); open a job by its id\"}",
                off.text());
        StatusApi.Response wrong = cloud.handle(get("/prod/jobs", "nope")).orElseThrow();
        assertEquals(401, wrong.status());
        assertEquals("Bearer", wrong.headers().get("www-authenticate"));
        assertEquals("{\"error\":\"listing jobs needs 'Authorization: Bearer <token>'\"}", wrong.text());
    }

    @Test
    void aWorkstationWithoutATokenListsForAnyoneAndWithOneSaysItsOwnSentence() {
        assertTrue(ListingAccess.workstation(null, "x").allows(List.of()));
        StatusApi.Response r = ListingAccess.workstation("tok", "needs the token").check(Arrays.asList(null, "bad"));
        assertEquals(401, r.status());
        assertEquals("{\"error\":\"needs the token\"}", r.text());
        assertEquals(null, ListingAccess.workstation("tok", "x").check(Arrays.asList(null, "bad", "tok")));
    }

    @Test
    void theTokenSourceIsNotAskedWhenNothingIsPresented() {
        AtomicInteger asked = new AtomicInteger();
        ListingAccess access = ListingAccess.cloud(() -> {
            asked.incrementAndGet();
            return "tok";
        });
        assertFalse(access.allows(Arrays.asList((String) null)));
        assertEquals(0, asked.get());
        assertTrue(access.allows(List.of("tok")));
        assertEquals(1, asked.get());
    }

    @Test
    void theCloudToleratesAStagePrefixAndLocalModeDoesNot() throws Exception {
        assertEquals("cloud page", cloud.handle(get("/prod/")).orElseThrow().text());
        assertEquals("cloud page", cloud.handle(get("/prod/index.html")).orElseThrow().text());
        StatusApi.Response page = local.handle(get("/")).orElseThrow();
        assertEquals("local page", page.text());
        assertEquals("text/html; charset=utf-8", page.contentType());
        assertTrue(page.headers().isEmpty(), "the transport decides the page's caching");
        assertEquals("local page", local.handle(get("/index.html")).orElseThrow().text());
        assertTrue(local.handle(get("/prod/")).isEmpty());
        assertTrue(local.handle(get("/prod/jobs", "tok")).isEmpty());
    }

    @Test
    void otherMethodsAndPathsAreLeftToTheTransport() throws Exception {
        assertTrue(local.handle(new StatusApi.Request("POST", "/jobs", Map.of(), List.of("tok"))).isEmpty());
        assertTrue(local.handle(new StatusApi.Request("HEAD", "/", null, null)).isEmpty());
        assertTrue(local.handle(get("/upload")).isEmpty());
        assertTrue(cloud.handle(get("/nothing")).isEmpty());
    }

    @Test
    void aMalformedJobIdIsNotFoundWithoutAskingTheStore() throws Exception {
        StatusApi.Response r = cloud.handle(get("/jobs/not-an-id")).orElseThrow();
        assertEquals(404, r.status());
        assertEquals("{\"error\":\"no such job\"}", r.text());
    }
}
