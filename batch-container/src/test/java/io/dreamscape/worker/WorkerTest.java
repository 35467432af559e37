package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.TestFixtures;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobState;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.AssembleService;
import io.dreamscape.testing.Loopback;
import io.dreamscape.worker.WorkerRuns.Run;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dreamscape worker} end to end on loopback S3 (s3proxy) and DynamoDB (dynalite) with the tiny fixture model:
 * in process through picocli, and as real child processes for concurrency and for SIGTERM / SIGKILL.
 */
class WorkerTest {
    @TempDir
    Path dir;

    /** The log line of a checkpoint written at the end of an octave. */
    private static final String OCTAVE_END = "\"why\":\"octave end\"";

    private Path scratch(String name) {
        return dir.resolve(name);
    }

    private static void assertCountedExactly(PlannedJob job) throws Exception {
        Job j = job.job();
        assertEquals(job.plan.totalWork(), j.workDone(), "the job's units must sum to exactly the plan's total");
        for (Shard s : job.plan.shards()) {
            assertEquals(s.work(), j.shardDone().get(s.index()), "shard " + s.index() + " units");
        }
        assertEquals(100.0, j.percent());
    }

    @Test
    void singleShardJobUploadsTheDreamOfTheWholeImageAndCountsExactlyItsWork() throws Exception {
        DreamParameters p = PlannedJob.params(2, 3);
        PlannedJob job = PlannedJob.create(150, 100, 1, p);
        // default --device gpu: no GPU here, so the CPU with a warning
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"));
        assertEquals(0, run.exit(), run.log());
        assertTrue(run.log().contains("no GPU is visible"), run.log());
        assertTrue(run.log().lines().allMatch(l -> l.contains("\"jobId\":\"" + job.id.value() + "\"")),
                "every log line carries the job id:\n" + run.log());
        assertCountedExactly(job);
        assertEquals(JobState.DREAMING, job.job().state());
        assertEquals(p.octaves() - 1, job.job().currentOctave());

        // One shard: the plan's seed unchanged, so the result is exactly the engine's dream of the image.
        Path input = dir.resolve("in.png");
        Files.write(input, PlannedJob.png(150, 100));
        Path s = Files.createDirectories(dir.resolve("ref"));
        try (TorchScriptNetwork net = TestFixtures.tinyDict();
             FloatPlanes img = ImagePlanes.load(ImageDecoder.read(input, p.maxPixels()), s);
             GradientStep g = new GradientStep(net, LayerSelection.resolve(p, net.layers()), Device.cpu());
             FloatPlanes out = new DreamEngine(g, p, s).dream(img, new DreamListener() { })) {
            assertArrayEquals(PlannedJob.samples16(out), job.result(0));
        }
        assertFalse(Files.list(scratch("s")).findAny().isPresent(), "scratch is cleaned up");
    }

    @Test
    void aShardOnTwoDevicesUploadsExactlyTheOneDeviceResult() throws Exception {
        // DREAMSCAPE_DEVICES=2 on the CPU: two gradient steps, two threads — how the worker drives several GPUs.
        DreamParameters p = PlannedJob.params(2, 3);
        PlannedJob one = PlannedJob.create(150, 100, 1, p);
        PlannedJob two = PlannedJob.create(150, 100, 1, p);
        Run single = WorkerRuns.inProcess(one.env(0), scratch("d1"), "--device", "cpu");
        assertEquals(0, single.exit(), single.log());
        Map<String, String> env = new java.util.HashMap<>(two.env(0));
        env.put("DREAMSCAPE_DEVICES", "2");
        Run multi = WorkerRuns.inProcess(env, scratch("d2"), "--device", "cpu");
        assertEquals(0, multi.exit(), multi.log());
        assertTrue(multi.log().contains("one image on 2 devices (cpu×2)"), multi.log());
        assertTrue(multi.log().contains("\"device\":\"cpu×2\""), multi.log());
        assertArrayEquals(one.result(0), two.result(0));
        assertCountedExactly(two);
    }

    @Test
    void aModelNamedByTheUploadIsFetchedFromTheBucketsModelsFolder() throws Exception {
        DreamParameters p = PlannedJob.params(1, 1).with(io.dreamscape.job.ParameterOverrides.builder()
                .model("tiny_tuple.pt").build());
        PlannedJob job = PlannedJob.create(96, 64, 1, p);
        Run missing = WorkerRuns.inProcess(job.env(0), scratch("m1"), "--device", "cpu");
        assertEquals(1, missing.exit(), missing.log());
        assertTrue(missing.log().contains("models/tiny_tuple.pt"), missing.log());

        PlannedJob again = PlannedJob.create(96, 64, 1, p);
        again.objects.put(StorageLayout.modelKey("tiny_tuple.pt"), Files.readAllBytes(TestFixtures.fixture("tiny_tuple.pt")), "application/octet-stream");
        again.objects.put(StorageLayout.modelKey("tiny_tuple.json"), Files.readAllBytes(TestFixtures.fixture("tiny_tuple.json")), "application/json");
        Run run = WorkerRuns.inProcess(again.env(0), scratch("m2"), "--device", "cpu");
        assertEquals(0, run.exit(), run.log());
        assertCountedExactly(again);
    }

    @Test
    void threeWorkerProcessesDreamAThreeShardPlanConcurrently() throws Exception {
        PlannedJob job = PlannedJob.create(240, 80, 3, PlannedJob.params(2, 3));
        // A split dream: the base (octave 0 of the whole image) first, as the workflow's DreamBase step runs it.
        assertTrue(job.plan.hasBase());
        Run base = WorkerRuns.inProcess(job.env(job.plan.baseIndex()), scratch("base"), "--device", "cpu");
        assertEquals(0, base.exit(), base.log());
        assertTrue(base.log().contains("base (octaves 0-0)"), base.log());
        assertEquals(job.plan.baseWork(), job.job().shardDone().get(job.plan.baseIndex()), "the base's units");
        List<Process> workers = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path log = dir.resolve("worker-" + i + ".log");
            logs.add(log);
            workers.add(WorkerRuns.child(job.env(i), scratch("s" + i), log, "--device", "cpu"));
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(workers.get(i).waitFor(150, TimeUnit.SECONDS), "worker " + i + " hangs");
            assertEquals(0, workers.get(i).exitValue(), WorkerRuns.read(logs.get(i)));
        }
        List<int[]> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) results.add(job.result(i)); // halo size, 16-bit, readable by the assembler's reader
        assertCountedExactly(job);
        // One dream: every shard draws its tiles from the plan's own seed, in the whole image's coordinates.
        for (Path l : logs) {
            assertTrue(WorkerRuns.read(l).contains("\"seed\":" + job.plan.parameters().seed()), WorkerRuns.read(l));
        }
        // The real assembly accepts the three results and completes the job.
        AssembleService.Result done = new AssembleService(job.objects, job.progress, dir.resolve("assemble"))
                .assemble(job.id, JsonLog.of("assemble").with("jobId", job.id.value()));
        assertEquals(JobState.COMPLETED, done.state());
        assertTrue(job.objects.head(done.outputKey()).isPresent());
        assertEquals(JobState.COMPLETED, job.job().state());
    }

    @Test
    void aShardOfASplitDreamWithoutItsBaseFailsSayingSo() throws Exception {
        PlannedJob job = PlannedJob.create(240, 80, 3, PlannedJob.params(2, 2));
        Run run = WorkerRuns.inProcess(job.env(1), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_FAILED, run.exit(), run.log());
        Job j = job.job();
        assertEquals(JobState.FAILED, j.state());
        assertTrue(j.error().contains("base") && j.error().contains("must finish before"), j.error());
        assertFalse(job.hasResult(1));
    }

    @Test
    void anOlderPlanIsRefusedBeforeAnythingIsDownloaded() throws Exception {
        PlannedJob job = PlannedJob.create(150, 100, 1, PlannedJob.params(1, 1));
        String v1 = new String(job.plan.toJson(), java.nio.charset.StandardCharsets.UTF_8)
                .replaceFirst("\"version\" : 2", "\"version\" : 1");
        job.objects.put(io.dreamscape.job.StorageLayout.planKey(job.id),
                v1.getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_FAILED, run.exit(), run.log());
        assertTrue(run.log().contains("is version 1 but this Dreamscape reads version 2")
                && run.log().contains("upload the image again"), run.log());
        assertFalse(run.log().contains("input downloaded"), run.log());
    }

    @Test
    void theBaseJobResumesFromItsCheckpointToTheUninterruptedDetail() throws Exception {
        DreamParameters p = PlannedJob.params(3, 3);
        PlannedJob job = PlannedJob.create(240, 120, 2, p);
        assertEquals(2, job.plan.baseOctaves());
        int b = job.plan.baseIndex();
        Path log = dir.resolve("base1.log");
        Process first = slowChild(job, b, "b1", log);
        WorkerRuns.awaitFirstCheckpoint(first, log, "the base", () -> WorkerRuns.read(log).contains(OCTAVE_END));
        WorkerRuns.terminate(first, log);
        assertTrue(job.hasCheckpoint(b), "the base checkpoints under its own index");
        Run second = WorkerRuns.inProcess(job.env(b), scratch("b2"), "--device", "cpu");
        assertEquals(0, second.exit(), second.log());
        assertTrue(second.log().contains("resuming from checkpoint"), second.log());
        assertEquals(job.plan.baseWork(), job.job().shardDone().get(b), "the base's units, counted once");

        PlannedJob ref = PlannedJob.create(240, 120, 2, p);
        Run plain = WorkerRuns.inProcess(ref.env(b), scratch("ref"), "--device", "cpu");
        assertEquals(0, plain.exit(), plain.log());
        assertArrayEquals(ref.baseDetail(), job.baseDetail(), "the resumed base equals the uninterrupted one");
    }

    /** {@code dreamscape worker} for shard {@code index} as a child, slowed to 400 ms a step so it can be stopped mid-run. */
    private Process slowChild(PlannedJob job, int index, String scratchName, Path log) {
        return WorkerRuns.child(job.env(index), scratch(scratchName), log, "--device", "cpu", "--step-delay-ms", "400");
    }

    /** The first attempt of a 180×120 job (3 octaves × 4 steps) in a child process slowed to 0.4 s per step. */
    private record FirstAttempt(DreamParameters params, PlannedJob job, Path log, Process process) { }

    private FirstAttempt startSlowFirstAttempt() throws Exception {
        DreamParameters p = PlannedJob.params(3, 4);
        PlannedJob job = PlannedJob.create(180, 120, 1, p);
        Path log = dir.resolve("attempt1.log");
        return new FirstAttempt(p, job, log, slowChild(job, 0, "a1", log));
    }

    /** The next attempt, in process: it resumes from the checkpoint, counts every unit once, and ends at the result
     * of an uninterrupted run. */
    private Run resumeAndCheck(FirstAttempt a) throws Exception {
        Run second = WorkerRuns.inProcess(a.job().env(0), scratch("a2"), "--device", "cpu");
        assertEquals(0, second.exit(), second.log());
        assertTrue(second.log().contains("resuming from checkpoint"), second.log());
        assertCountedExactly(a.job());
        assertArrayEquals(uninterruptedResult(180, 120, a.params()), a.job().result(0),
                "the resumed result equals the uninterrupted one");
        return second;
    }

    /** An identical job (same image, plan and seed; another id) dreamed without interruption, in process. */
    private int[] uninterruptedResult(int w, int h, DreamParameters p) throws Exception {
        PlannedJob ref = PlannedJob.create(w, h, 1, p);
        Run run = WorkerRuns.inProcess(ref.env(0), scratch("ref"), "--device", "cpu");
        assertEquals(0, run.exit(), run.log());
        return ref.result(0);
    }

    @Test
    void sigtermMidRunWritesACheckpointAndTheNextAttemptResumesToTheUninterruptedResult() throws Exception {
        FirstAttempt a = startSlowFirstAttempt();
        WorkerRuns.awaitFirstCheckpoint(a.process(), a.log(), "the worker",
                () -> WorkerRuns.read(a.log()).contains(OCTAVE_END));
        String log1 = WorkerRuns.terminate(a.process(), a.log());
        assertTrue(log1.contains("\"why\":\"stop requested\""), "a checkpoint at the stop:\n" + log1);
        assertTrue(a.job().hasCheckpoint(0));
        assertFalse(a.job().hasResult(0), "no result from an interrupted attempt");
        Job between = a.job().job();
        assertTrue(between.workDone() > 0 && between.workDone() < a.job().plan.totalWork(),
                "partial progress: " + between.workDone());

        resumeAndCheck(a);
    }

    @Test
    void sigkillAfterACheckpointResumesWithoutCountingWorkTwice() throws Exception {
        FirstAttempt a = startSlowFirstAttempt();
        PlannedJob job = a.job();
        Path log = a.log();
        Process first = a.process();
        long deadline = WorkerRuns.awaitFirstCheckpoint(first, log, "the worker", () -> job.hasCheckpoint(0));
        // Let it report some work beyond the checkpoint (progress every 0.2 s), then kill it without warning.
        long checkpointUnits = OctaveSizes.smallestFirst(180, 120, 3, 1.4).get(0).pixels() * 4;
        while (job.job().workDone() <= checkpointUnits && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        first.destroyForcibly(); // SIGKILL
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), WorkerRuns.read(log));
        assertFalse(job.hasResult(0));
        long countedBefore = job.job().workDone();
        assertTrue(countedBefore > checkpointUnits, "the killed attempt counted work beyond its checkpoint, "
                + "which the next attempt redoes: " + countedBefore + " > " + checkpointUnits);

        Run second = resumeAndCheck(a);
        assertTrue(second.log().contains("\"alreadyCounted\":" + countedBefore), second.log());
    }

    @Test
    void checkpointsAtOctaveEndsAndAfterTheIntervalButNeverAfterTheLastStep() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(2, 3));
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu", "--checkpoint-interval", "0");
        assertEquals(0, run.exit(), run.log());
        // Octave 0: steps 1 and 2 by the interval, step 3 as the octave end; octave 1: steps 1 and 2; none after step 3.
        assertEquals(4, run.log().lines().filter(l -> l.contains("\"why\":\"interval\"")).count(), run.log());
        assertEquals(1, run.log().lines().filter(l -> l.contains("\"why\":\"octave end\"")).count(), run.log());
        assertTrue(job.hasCheckpoint(0));
        assertCountedExactly(job);
    }

    // ------------------------------------------------------------------------------------------------ failures

    @Test
    void missingPlanFailsClearlyAndWritesNothing() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(1, 1), false);
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_FAILED, run.exit(), run.log());
        Job j = job.job();
        assertEquals(JobState.FAILED, j.state());
        assertTrue(j.error().contains("has no plan") && j.error().contains(StorageLayout.planKey(job.id)), j.error());
        assertFalse(job.hasResult(0));
    }

    @Test
    void missingInputFailsClearlyAndWritesNothing() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(1, 1));
        Loopback.get().s3.deleteObject(b -> b.bucket(job.objects.bucket()).key(job.plan.source().key()));
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_FAILED, run.exit(), run.log());
        Job j = job.job();
        assertEquals(JobState.FAILED, j.state());
        assertTrue(j.error().contains("no longer exists") && j.error().contains(job.plan.source().key()), j.error());
        assertFalse(job.hasResult(0));
    }

    @Test
    void unreachableDynamoDbFailsBeforeDreamingAndWritesNothing() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(1, 1));
        Map<String, String> env = job.env(0);
        env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:" + Loopback.freePort());
        Run run = WorkerRuns.inProcess(env, scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_UNAVAILABLE, run.exit(), run.log());
        assertTrue(run.log().contains("progress store is unreachable"), run.log());
        assertFalse(job.hasResult(0));
        assertEquals(JobState.PLANNED, job.job().state());
    }

    private static byte[] checkpointFor(PlannedJob job, byte[] fingerprint) throws Exception {
        DreamParameters p = job.plan.parameters();
        OctaveSizes.Size s0 = OctaveSizes.smallestFirst(job.plan.width(), job.plan.height(), p.octaves(), p.octaveScale()).get(0);
        Path s = Files.createDirectories(Files.createTempDirectory("ckpt"));
        try (FloatPlanes planes = FloatPlanes.create(s0.width(), s0.height(), s)) {
            float[] row = new float[s0.width()];
            for (int c = 0; c < 3; c++) for (int y = 0; y < s0.height(); y++) {
                for (int x = 0; x < row.length; x++) row[x] = (x * 7 + y * 3 + c) % 100 / 100f;
                planes.putRow(c, y, row);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CheckpointCodec.write(new CheckpointCodec.Header(fingerprint, 0, 1, s0.pixels(), s0.width(), s0.height()),
                    planes, out, 2);
            return out.toByteArray();
        }
    }

    private static byte[] fingerprint(PlannedJob job) {
        DreamParameters p = job.plan.parameters();
        try {
            return Worker.fingerprint(job.plan, WorkerTarget.of(job.plan, 0), p);
        } catch (WorkerException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void corruptCheckpointFailsClearlyAndWritesNothing() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(2, 2));
        byte[] ckpt = checkpointFor(job, fingerprint(job));
        ckpt[ckpt.length / 2] ^= 0x10; // one bit flipped inside the pixel data
        job.objects.put(Worker.checkpointKey(job.id, 0), ckpt, "application/octet-stream");
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_FAILED, run.exit(), run.log());
        Job j = job.job();
        assertEquals(JobState.FAILED, j.state());
        assertTrue(j.error().contains("is corrupt") && j.error().contains(Worker.checkpointKey(job.id, 0)), j.error());
        assertFalse(job.hasResult(0));
    }

    @Test
    void aCheckpointOfAnotherPlanIsIgnoredAndTheShardStartsOver() throws Exception {
        PlannedJob job = PlannedJob.create(100, 80, 1, PlannedJob.params(2, 2));
        job.objects.put(Worker.checkpointKey(job.id, 0), checkpointFor(job, new byte[32]), "application/octet-stream");
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(0, run.exit(), run.log());
        assertTrue(run.log().contains("belongs to another plan"), run.log());
        assertFalse(run.log().contains("resuming from checkpoint"), run.log());
        assertCountedExactly(job);
    }

    @Test
    void aFailedJobStopsItsWorkersWithoutAResult() throws Exception {
        PlannedJob job = PlannedJob.create(120, 90, 1, PlannedJob.params(2, 3));
        job.progress.fail(job.id, "cancelled by a test");
        Run run = WorkerRuns.inProcess(job.env(0), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_JOB_STOPPED, run.exit(), run.log());
        assertTrue(run.log().contains("no longer running"), run.log());
        assertFalse(job.hasResult(0));
        assertEquals(0, job.job().workDone());
    }

    @Test
    void missingEnvironmentIsAConfigurationError() {
        Run run = WorkerRuns.inProcess(Map.of("BUCKET", "b", "TABLE", "t"), scratch("s"), "--device", "cpu");
        assertEquals(WorkerCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.log().contains("JOB_ID"), run.log());
    }
}
