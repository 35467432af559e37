package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same seed ⇒ bit-identical image, in this process and in new processes, on both paths, also with libtorch forced to
 * its non-AVX2 kernels ({@code ATEN_CPU_CAPABILITY=default}, what a CPU without AVX2 runs), and with two windows
 * computed at once ({@code DREAMSCAPE_ENGINE_THREADS=2}). Resume is covered by
 * DreamEngineTest. The digest covers every float of the result.
 */
class DeterminismTest {
    @TempDir
    Path scratch;

    /** Child process entry: prints "streamed-digest resident-digest". */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("determinism");
        System.out.println(digest(dir, "0") + " " + digest(dir, "4G"));
    }

    static String digest(Path scratch, String deviceMemory) throws Exception {
        List<LayerWeight> layers = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("tiny").layers(layers).octaves(2).octaveScale(1.4).steps(3).stepSize(1.5).jitter(16)
                .tile(128).seed(5L).wrap(io.dreamscape.job.Wrap.NONE).quality(95).maxPixels(1_000_000_000L)
                .deviceMemory(deviceMemory).build()).validated();
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, layers, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 200);
             FloatPlanes out = new DreamEngine(g, p, scratch).dream(img, new DreamListener() { })) {
            float[] f = DreamEngineTest.flat(out);
            ByteBuffer b = ByteBuffer.allocate(4 * f.length);
            b.asFloatBuffer().put(f);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array())).substring(0, 16);
        }
    }

    @Test
    void sameSeedGivesTheSameBitsInNewProcessesWithAndWithoutAvx2Kernels() throws Exception {
        String here = digest(scratch, "0") + " " + digest(scratch, "4G");
        String again = digest(scratch, "0") + " " + digest(scratch, "4G");
        assertEquals(here, again, "same process twice");
        String child1 = child(null);
        String child2 = child(null);
        assertEquals(here, child(null, "2"), "a new process computing two windows at once");
        assertEquals(here, child1, "a new process");
        assertEquals(child1, child2, "another new process");
        String plain1 = child("default");
        String plain2 = child("default");
        assertEquals(plain1, plain2, "new processes with ATEN_CPU_CAPABILITY=default");
    }

    private String child(String atenCapability) throws IOException, InterruptedException {
        return child(atenCapability, null);
    }

    private String child(String atenCapability, String engineThreads) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DeterminismTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (atenCapability != null) pb.environment().put("ATEN_CPU_CAPABILITY", atenCapability);
        if (engineThreads != null) pb.environment().put("DREAMSCAPE_ENGINE_THREADS", engineThreads);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "child finished");
        assertEquals(0, proc.exitValue(), "child exit; output: " + out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }
}
