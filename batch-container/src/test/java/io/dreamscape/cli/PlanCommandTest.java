package io.dreamscape.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.handlers.PlanHandler;
import io.dreamscape.handlers.ValidateHandler;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.ValidateService;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dreamscape plan} gives exactly the plan the cloud workflow writes for the same upload. */
class PlanCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PHOTOS = Path.of("../../shared/images");
    /** A slow "GPU" and short shards, so that even these small photos are cut into several shards with halos. */
    private static final Map<String, String> ENV = Map.of("GPU_WORK_UNITS_PER_SECOND", "20000",
            "TARGET_SHARD_SECONDS", "60", "GPU_DOLLARS_PER_HOUR", "1.5", "SHARD_OVERHEAD_SECONDS", "30");

    record Run(int exit, String out, String err) {
    }

    static Run plan(Map<String, String> env, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new PlanCommand(env)).execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void planOnTheSharedPhotosMatchesThePlanTheWorkflowWrites() throws Exception {
        assumeTrue(Files.isDirectory(PHOTOS), "needs the shared photos beside the repository");
        List<Path> photos;
        try (Stream<Path> s = Files.list(PHOTOS)) {
            photos = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        assertFalse(photos.isEmpty());
        S3ObjectStore objects = Loopback.get().newBucket();
        DynamoProgressStore progress = Loopback.get().newTable();
        Clock clock = Clock.systemUTC();
        ValidateHandler validate = new ValidateHandler(new ValidateService(objects, progress, Limits.DEFAULT, clock));
        PlanHandler planHandler = new PlanHandler(new PlanService(objects, progress, new Planner(PlannerConfig.fromEnv(ENV)), clock));
        String params = "{\"octaves\": 3, \"steps\": 7, \"tile\": 256, \"jitter\": 16, \"octaveScale\": 1.5, \"seed\": 42}";
        int multiShard = 0;
        for (Path photo : photos) {
            String key = "uploads/classic/" + photo.getFileName();
            byte[] bytes = Files.readAllBytes(photo);
            Map<String, Object> v = validate.handleRequest(Fixtures.upload(objects.bucket(), key, bytes, params), null);
            assertEquals(Boolean.FALSE, v.get("rejected"), String.valueOf(v));
            JobId id = JobId.of((String) v.get("jobId"));
            planHandler.handleRequest(Map.of("jobId", id.value()), null);
            Plan workflow = Plan.fromJson(objects.getBytes(StorageLayout.planKey(id)));

            Run run = plan(ENV, photo.toString(), "--preset", "classic", "--octaves", "3", "--steps", "7", "--tile", "256",
                    "--jitter", "16", "--octave-scale", "1.5", "--seed", "42", "--json");
            assertEquals(0, run.exit(), run.err());
            JsonNode q = JSON.readTree(run.out());
            assertEquals(workflow.width(), q.get("width").asInt(), photo.toString());
            assertEquals(workflow.height(), q.get("height").asInt());
            assertEquals(workflow.totalWork(), q.get("totalWork").asLong(), photo.toString());
            assertEquals(workflow.halo(), q.get("halo").asInt());
            assertEquals(tree(workflow.estimate()), q.get("estimate"), photo.toString());
            assertEquals(tree(workflow.parameters()), q.get("parameters"), "same resolved parameters");
            assertEquals(workflow.shardCount(), q.get("shards").size(), photo.toString());
            for (int i = 0; i < workflow.shardCount(); i++) {
                JsonNode s = q.get("shards").get(i);
                assertEquals(tree(workflow.shards().get(i).core()), s.get("core"));
                assertEquals(tree(workflow.shards().get(i).halo()), s.get("halo"));
                assertEquals(workflow.shards().get(i).work(), s.get("work").asLong());
            }
            assertEquals(workflow.passes().size(), q.get("octaves").size());
            for (int i = 0; i < workflow.passes().size(); i++) {
                assertEquals(workflow.passes().get(i).width(), q.get("octaves").get(i).get("width").asInt());
                assertEquals(workflow.passes().get(i).work(), q.get("octaves").get(i).get("work").asLong());
            }
            assertTrue(q.get("workers").get("peakMemoryBytes").asLong() > 700L << 20);
            if (workflow.shardCount() > 1) multiShard++;
        }
        assertTrue(multiShard > 0, "at least one photo was split, so shards and halos were compared");
    }

    /** As the JSON text reads back (so an int and a long of the same value compare equal). */
    private static JsonNode tree(Object value) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(value));
    }

    @Test
    void theTextFormShowsOctavesShardsAndThePrice() {
        assumeTrue(Files.isRegularFile(PHOTOS.resolve("kite.jpg")), "needs the shared photos beside the repository");
        Run run = plan(ENV, PHOTOS.resolve("kite.jpg").toString(), "--steps", "4", "--gpu-dollars-per-hour", "2");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("1352×900"), run.out());
        assertTrue(run.out().contains("octave"), run.out());
        assertTrue(run.out().contains("shards: "), run.out());
        assertTrue(run.out().matches("(?s).*\\$[0-9.]+ at \\$2\\.000 per GPU-hour.*"), run.out());
        assertTrue(run.out().contains("peak memory"), run.out());
    }

    @Test
    void badParametersAndMissingInputsSaySoWithTheDreamCommandsExitCodes() {
        Run bad = plan(Map.of(), "x.jpg", "--steps", "0");
        assertEquals(DreamCommand.EXIT_USAGE, bad.exit());
        assertTrue(bad.err().contains("steps"), bad.err());
        Run missing = plan(Map.of(), "no-such-file.jpg");
        assertEquals(DreamCommand.EXIT_BAD_IMAGE, missing.exit());
        assertTrue(missing.err().contains("not found"), missing.err());
    }
}
