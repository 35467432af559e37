package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.GuideImage;
import io.dreamscape.engine.TestFixtures;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobState;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.worker.WorkerRuns.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job with {@code "guide": NAME}: the worker fetches guides/NAME from the bucket and dreams with it. */
class WorkerGuideTest {
    @TempDir
    Path dir;

    static DreamParameters guided(String guide) {
        return PlannedJob.params(2, 2).with(ParameterJson.parse("{\"guide\": \"" + guide + "\", \"layers\": [\"conv2#1,3,8\"]}"))
                .validated();
    }

    @Test
    void theGuideComesFromTheBucketsGuidesFolderAndGivesTheEnginesGuidedDream() throws Exception {
        DreamParameters p = guided("stripes.png");
        PlannedJob job = PlannedJob.create(150, 100, 1, p);
        byte[] guideBytes = PlannedJob.png(90, 60);
        job.objects.put(StorageLayout.guideKey("stripes.png"), guideBytes, "image/png");
        Run run = WorkerRuns.inProcess(job.env(0), dir.resolve("s"), "--device", "cpu");
        assertEquals(0, run.exit(), run.log());

        // The same dream made directly by the engine with the same guide file: equal samples.
        Path input = dir.resolve("in.png");
        Files.write(input, PlannedJob.png(150, 100));
        Path guideFile = Files.write(dir.resolve("g.png"), guideBytes);
        Path s = Files.createDirectories(dir.resolve("ref"));
        try (TorchScriptNetwork net = TestFixtures.tinyDict();
             FloatPlanes img = ImagePlanes.load(ImageDecoder.read(input, p.maxPixels()), s);
             GradientStep g = new GradientStep(net, LayerSelection.resolve(p, net.layers(), net.channels()), Device.cpu(),
                     GuideImage.load(guideFile, p.tile(), s));
             FloatPlanes out = new DreamEngine(g, p, s).dream(img, new DreamListener() { })) {
            assertArrayEquals(PlannedJob.samples16(out), job.result(0));
        }
    }

    @Test
    void aMissingOrUndecodableGuideFailsTheJobWithASentence() throws Exception {
        PlannedJob missing = PlannedJob.create(96, 64, 1, guided("absent.jpg"));
        Run r = WorkerRuns.inProcess(missing.env(0), dir.resolve("m"), "--device", "cpu");
        assertEquals(1, r.exit(), r.log());
        assertEquals(JobState.FAILED, missing.job().state());
        assertTrue(missing.job().error().contains("the guide image s3://" + missing.objects.bucket() + "/guides/absent.jpg does not exist"),
                missing.job().error());

        PlannedJob junk = PlannedJob.create(96, 64, 1, guided("junk.jpg"));
        junk.objects.put(StorageLayout.guideKey("junk.jpg"), "not a picture".getBytes(), "image/jpeg");
        Run j = WorkerRuns.inProcess(junk.env(0), dir.resolve("j"), "--device", "cpu");
        assertEquals(1, j.exit(), j.log());
        assertEquals(JobState.FAILED, junk.job().state());
        assertTrue(junk.job().error().contains("guide image guides/junk.jpg cannot be used"), junk.job().error());
    }
}
