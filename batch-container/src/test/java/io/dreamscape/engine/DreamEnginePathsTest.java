package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterOverrides;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The device-resident and the streamed path: same numbers, and the resident step moves no image data. */
class DreamEnginePathsTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);

    @TempDir
    Path scratch;

    static DreamParameters params(String deviceMemory, boolean wrap) {
        return params(deviceMemory, wrap ? io.dreamscape.job.Wrap.XY : io.dreamscape.job.Wrap.NONE);
    }

    static DreamParameters params(String deviceMemory, io.dreamscape.job.Wrap wrap) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(3).stepSize(1.5).jitter(16).tile(96)
                .seed(21L).wrap(wrap).quality(95).maxPixels(1_000_000_000L).deviceMemory(deviceMemory).build()).validated();
    }

    /** A listener that never asks for the image between steps (as the worker between checkpoints). */
    static final DreamListener QUIET = new DreamListener() {
        @Override
        public boolean continueAfter(int octave, int stepsDone, WorkingImage working) {
            return true;
        }
    };

    float[] run(DreamParameters p, DreamListener l, DreamEngine[] engine) {
        FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
        DreamEngine e = new DreamEngine(TINY.gradients(), p, scratch);
        if (engine != null) engine[0] = e;
        try (FloatPlanes out = e.dream(img, l)) {
            return DreamEngineTest.flat(out);
        }
    }

    @Test
    void residentAndStreamedGiveTheSameImage() {
        // per-axis edges (wrap x: only the width wraps) must be the same on both paths, too
        for (io.dreamscape.job.Wrap wrap : io.dreamscape.job.Wrap.values()) {
            float[] streamed = run(params("0", wrap), QUIET, null);
            float[] resident = run(params("4G", wrap), QUIET, null);
            assertArrayEquals(streamed, resident, 1e-5f, "wrap " + wrap);
        }
    }

    @Test
    void residentStepsMoveNoImageDataBetweenHostAndDevice() {
        DreamEngine[] e = new DreamEngine[1];
        long hostBefore = TINY.gradients().hostWindows();
        run(params("4G", false), QUIET, e);
        assertEquals(0, TINY.gradients().hostWindows() - hostBefore, "no window was copied from or to the JVM");
        // One upload and one download per octave (2 octaves × 3 steps): nothing per step.
        assertEquals(2, e[0].transfers().uploads());
        assertEquals(2, e[0].transfers().downloads());
    }

    @Test
    void streamedPathCopiesEveryWindowThroughTheHost() {
        DreamEngine[] e = new DreamEngine[1];
        long hostBefore = TINY.gradients().hostWindows();
        run(params("0", false), QUIET, e);
        assertTrue(TINY.gradients().hostWindows() - hostBefore > 6, "the streamed path does copy windows");
        assertEquals(0, e[0].transfers().uploads());
    }

    @Test
    void aBudgetTooSmallForOneBatchStreamsWithALogLine() {
        StringBuilder log = new StringBuilder();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                log.append(r.getMessage()).append('\n');
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(DreamEngine.class.getName());
        logger.addHandler(h);
        try {
            // The 300×170 octave needs ~4.9 MB on the device: 5 MB holds it but not one batch of windows.
            DevicePlan plan = DevicePlan.choose(1, 300, 170, params("5M", false), 5L << 20);
            assertEquals(DevicePlan.Path.STREAMED, plan.path());
            float[] small = run(params("5M", false), QUIET, null);
            float[] streamed = run(params("0", false), QUIET, null);
            assertArrayEquals(streamed, small, 0f);
            assertTrue(log.toString().contains("too small for one batch"), log.toString());
        } finally {
            logger.removeHandler(h);
        }
    }

    @Test
    void aMalformedDeviceMemoryIsRejectedWithASentence() {
        ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(ParameterException.class,
                () -> params("lots", false));
        assertTrue(e.getMessage().contains("deviceMemory 'lots' is not a memory size"), e.getMessage());
    }

    @Test
    void aBatchOfWindowsGivesEachWindowItsOwnGradient() {
        int n = 4;
        float[][] windows = new float[n][3 * 80 * 72];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < windows[k].length; i++) windows[k][i] = (float) (0.5 + 0.4 * Math.sin(i * 0.01 * (k + 1)));
        }
        try (NDManager m = TINY.gradients().newManager()) {
            NDList list = new NDList();
            for (float[] w : windows) list.add(m.create(w, new Shape(3, 72, 80)));
            GradientStep.Batch batch = TINY.gradients().computeBatch(NDArrays.stack(list, 0));
            for (int k = 0; k < n; k++) {
                GradientStep.Result single = TINY.gradients().compute(windows[k], 80, 72);
                NDArray g = batch.gradient().get(k);
                assertArrayEquals(single.gradient(), g.toFloatArray(), 1e-6f * max(single.gradient()), "window " + k);
                assertEquals(single.objective(), batch.objectives()[k], 1e-6 * Math.abs(single.objective()));
            }
        }
    }

    @Test
    void residentStepsWithBatchesOfFourEqualStepsWithSingleWindows() {
        var scheduler = new io.dreamscape.engine.tiles.TileScheduler(96, 16, io.dreamscape.engine.tiles.EdgeMode.MIRROR, 64);
        float[][] results = new float[2][];
        int[] batches = {1, 4};
        for (int b = 0; b < 2; b++) {
            try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
                 ParallelRows pool = new ParallelRows(1);
                 ResidentOctave octave = new ResidentOctave(TINY.gradients(), new DeviceTransfers(),
                         io.dreamscape.engine.tiles.EdgeMode.MIRROR, batches[b], pool, img)) {
                for (int s = 0; s < 2; s++) {
                    var tiles = scheduler.tiles(300, 170, scheduler.draw(DreamEngine.stepRandom(3, 0, s)));
                    octave.step(tiles, 1.5f, seen -> { });
                }
                octave.download(img);
                results[b] = DreamEngineTest.flat(img);
            }
        }
        assertArrayEquals(results[0], results[1], 1e-5f);
    }

    private static float max(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
