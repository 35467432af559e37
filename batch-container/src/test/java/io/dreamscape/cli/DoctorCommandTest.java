package io.dreamscape.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.engine.TestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dreamscape doctor} on this machine's CPU libtorch, with real models; the GPU path where there is none. */
class DoctorCommandTest {

    private record Run(int exit, String out) {
    }

    private static Run doctor(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int exit;
        try {
            List<String> all = new ArrayList<>(List.of("doctor"));
            all.addAll(List.of(args));
            exit = DreamscapeCli.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        return new Run(exit, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void mobileNetV2OnTheCpuPassesEveryCheck() throws Exception {
        Path model = TestFixtures.shared("models/mobilenet_v2_1.0_224_quant_dream.pt");
        Run human = doctor("--model", model.toString(), "--device", "cpu");
        assertEquals(0, human.exit(), human.out());
        assertTrue(human.out().contains("All checks passed: this machine can dream on cpu"), human.out());
        for (String line : List.of("ok    engine", "ok    device", "ok    model", "ok    tile")) {
            assertTrue(human.out().contains(line), line + " in\n" + human.out());
        }

        Run json = doctor("--model", model.toString(), "--device", "cpu", "--tile", "224", "--json");
        assertEquals(0, json.exit(), json.out());
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertTrue(report.path("ok").asBoolean());
        JsonNode engine = check(report, "engine");
        assertEquals(Engine.getEngine("PyTorch").getVersion(), engine.path("facts").path("libtorch").asText());
        assertEquals(Engine.getDjlVersion(), engine.path("facts").path("djl").asText());
        assertEquals("cpu", check(report, "device").path("facts").path("using").asText());
        JsonNode model1 = check(report, "model").path("facts");
        assertTrue(model1.path("layers").asInt() > 1, model1.toString());
        JsonNode tile = check(report, "tile").path("facts");
        assertEquals(224, tile.path("tile").asInt());
        assertTrue(tile.path("meanAbsGradient").asDouble() > 0, tile.toString());
        assertTrue(tile.path("millis").asLong() >= 0 && tile.path("firstMillis").asLong() > 0, tile.toString());
        // The CPU's default device budget is 0: every octave of the 100 MP reference is streamed, and doctor says so.
        JsonNode path = check(report, "path", "info").path("facts");
        assertEquals(0, path.path("residentOctaves").asInt(), path.toString());
        assertEquals("STREAMED", path.path("fullSizePath").asText(), path.toString());
        assertEquals(path.path("octaves").asInt(), path.path("octavePaths").size(), path.toString());
    }

    @Test
    void theResidentOrStreamedChoiceFollowsTheDeviceMemoryBudget() {
        Run run = doctor("--model", TestFixtures.fixture("tiny_dict.pt").toString(), "--device", "cpu", "--tile", "64");
        assertEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("would run 0 of 4 octaves device-resident"), run.out());
    }

    @Test
    void aTinyModelPassesOnTheCpuWithoutSharedFiles() {
        Run run = doctor("--model", TestFixtures.fixture("tiny_dict.pt").toString(), "--device", "cpu", "--tile", "64");
        assertEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("64×64 forward+backward on cpu"), run.out());
    }

    @Test
    void gpuWithoutAGpuFailsWithASentence() {
        assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a GPU");
        Run run = doctor("--model", TestFixtures.fixture("tiny_dict.pt").toString(), "--device", "gpu");
        assertNotEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("fail  device  --device gpu: no GPU is visible to PyTorch on this machine"),
                run.out());
        assertTrue(run.out().contains("NOT READY: device failed"), run.out());
        assertTrue(!run.out().contains("ok    tile"), "nothing runs after the device check failed:\n" + run.out());
    }

    @Test
    void aMissingModelFailsTheModelCheck() {
        Run run = doctor("--model", "/nonexistent/model.pt", "--device", "cpu", "--json");
        assertEquals(DoctorCommand.EXIT_NOT_READY, run.exit(), run.out());
        assertTrue(run.out().contains("\"ok\" : false"), run.out());
        assertTrue(run.out().contains("model file not found: /nonexistent/model.pt"), run.out());
    }

    @Test
    void nvidiaSmiRowsAreParsedAndNoiseIsSkipped() {
        List<NvidiaSmi.Gpu> gpus = NvidiaSmi.parse("0, NVIDIA A10G, 23028, 570.172.08\nsome warning\n"
                + "1, NVIDIA L4, 23034, 570.172.08\n");
        assertEquals(List.of(new NvidiaSmi.Gpu(0, "NVIDIA A10G", 23028, "570.172.08"),
                new NvidiaSmi.Gpu(1, "NVIDIA L4", 23034, "570.172.08")), gpus);
    }

    private static JsonNode check(JsonNode report, String name) {
        return check(report, name, "ok");
    }

    private static JsonNode check(JsonNode report, String name, String status) {
        for (JsonNode c : report.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                assertEquals(status, c.path("status").asText(), c.toString());
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + report);
    }
}
