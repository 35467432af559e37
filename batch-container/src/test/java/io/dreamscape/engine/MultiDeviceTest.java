package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One image on two "devices" (two gradient steps on the CPU, each used by its own thread, as the engine uses one per
 * GPU) gives the one-device image: windows go to whichever device is free, but sums and the normaliser are taken in
 * tile order on one thread, and each window's numbers do not depend on the device that computed them.
 */
class MultiDeviceTest {
    static DreamNetwork net;
    static GradientStep first;
    static GradientStep second;

    @TempDir
    Path scratch;

    @BeforeAll
    static void load() throws Exception {
        net = TestFixtures.tinyDict();
        first = new GradientStep(net, DreamEnginePathsTest.LAYERS, Device.cpu());
        second = new GradientStep(net, DreamEnginePathsTest.LAYERS, Device.cpu());
    }

    @AfterAll
    static void close() {
        first.close();
        second.close();
        net.close();
    }

    private float[] dream(List<GradientStep> devices, DreamParameters p, DreamEngine[] engine) {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170)) {
            DreamEngine e = new DreamEngine(devices, p, scratch);
            if (engine != null) engine[0] = e;
            try (FloatPlanes out = e.dream(img, DreamEnginePathsTest.QUIET)) {
                return DreamEngineTest.flat(out);
            }
        }
    }

    @Test
    void streamedPathOnTwoDevicesIsBitIdenticalToOne() {
        for (Wrap wrap : new Wrap[] {Wrap.NONE, Wrap.XY}) {
            DreamParameters p = DreamEnginePathsTest.params("0", wrap);
            float[] one = dream(List.of(first), p, null);
            long secondBefore = second.windows();
            float[] two = dream(List.of(first, second), p, null);
            assertTrue(second.windows() > secondBefore, "the second device computed windows too");
            assertArrayEquals(one, two, 0f, "wrap " + wrap);
        }
    }

    @Test
    void residentPathOnTwoDevicesEqualsOneAndCountsTheCopiesBetweenDevices() {
        for (Wrap wrap : Wrap.values()) {
            DreamParameters p = DreamEnginePathsTest.params("4G", wrap);
            DreamEngine[] single = new DreamEngine[1];
            DreamEngine[] multi = new DreamEngine[1];
            float[] one = dream(List.of(first), p, single);
            long firstBefore = first.windows();
            long secondBefore = second.windows();
            float[] two = dream(List.of(first, second), p, multi);
            long onFirst = first.windows() - firstBefore;
            long onSecond = second.windows() - secondBefore;
            assertTrue(onSecond > 0, "the second device computed windows too");
            // The normaliser is one float32 sum on device 0 over the same cores in the same order, and on the CPU each
            // window's numbers do not depend on the thread: bit-identical here (on GPUs, cuDNN may pick another
            // convolution algorithm per device, so there "equal" means within float noise).
            assertArrayEquals(one, two, 0f, "wrap " + wrap);
            assertEquals(0, single[0].transfers().peerBytes(), "one device copies nothing between devices");
            assertTrue(multi[0].transfers().peerBytes() > 0, "windows went to the second device and their cores came back");
            // Host traffic is unchanged: one upload and one download per octave, on device 0.
            assertEquals(single[0].transfers().uploads(), multi[0].transfers().uploads());
            assertEquals(single[0].transfers().downloads(), multi[0].transfers().downloads());
            assertTrue(onFirst + onSecond > 0);
        }
    }

    @Test
    void theLaplacianNormaliserOnTwoDevicesIsTheOneDeviceResultToo() {
        // The normaliser works on the gathered gradient image (host or device 0), whatever computed the windows.
        for (String memory : new String[] {"0", "4G"}) {
            DreamParameters p = LaplacianNormalizeTest.params(2, 2, 96, 16, Wrap.NONE, memory,
                    io.dreamscape.job.Normalize.LAPLACIAN);
            assertArrayEquals(dream(List.of(first), p, null), dream(List.of(first, second), p, null), 0f, memory);
        }
    }

    @Test
    void theQueueHandsEachCallAFreeDeviceAndTakesItBack() {
        DeviceQueue q = new DeviceQueue(List.of(first, second), 1);
        assertEquals(2, q.slots());
        int a = q.call((d, s) -> q.call((d2, s2) -> {
            assertTrue(d != d2, "a busy device is not handed out twice");
            assertTrue(s2 == (d2 == 0 ? first : second));
            return d;
        }));
        assertTrue(a == 0 || a == 1);
        assertEquals(2, q.slots());
    }
}
