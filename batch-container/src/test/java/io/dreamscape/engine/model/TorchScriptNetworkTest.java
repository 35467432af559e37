package io.dreamscape.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptNetworkTest {
    @TempDir
    Path dir;

    @Test
    void dictOutputsAreNamedByTheirKeysShallowFirst() throws Exception {
        try (TorchScriptNetwork net = TestFixtures.tinyDict()) {
            assertEquals(List.of("conv1", "conv2", "conv3"), net.layers());
        }
    }

    @Test
    void tupleOutputsTakeTheirNamesFromTheSidecarAndMatchTheDictModel() throws Exception {
        try (TorchScriptNetwork dict = TestFixtures.tinyDict(); TorchScriptNetwork tuple = TestFixtures.tinyTuple();
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertEquals(List.of("conv1", "conv2", "conv3"), tuple.layers());
            var x = m.randomUniform(0, 1, new Shape(1, 3, 40, 56));
            NDList a = dict.activations(x, List.of("conv3", "conv1"));
            NDList b = tuple.activations(x, List.of("conv3", "conv1"));
            assertEquals(new Shape(1, 16, 10, 14), a.get(0).getShape());
            assertTrue(a.get(0).allClose(b.get(0)) && a.get(1).allClose(b.get(1)));
        }
    }

    @Test
    void aTupleModelWithoutSidecarSaysWhatToAdd() throws Exception {
        Path model = Files.copy(TestFixtures.fixture("tiny_tuple.pt"), dir.resolve("lonely.pt"));
        IOException e = assertThrows(IOException.class, () -> TorchScriptNetwork.load(model, Device.cpu()));
        assertTrue(e.getMessage().contains("lonely.json") && e.getMessage().contains("outputs[].name"), e.getMessage());
    }

    @Test
    void aFileThatIsNoModelIsRefusedClearly() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pt"), "not a model");
        IOException e = assertThrows(IOException.class, () -> TorchScriptNetwork.load(junk, Device.cpu()));
        assertTrue(e.getMessage().contains("cannot load TorchScript model"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TorchScriptNetwork.load(dir.resolve("nope.pt"), Device.cpu()));
        assertTrue(missing.getMessage().contains("model file not found"), missing.getMessage());
    }
}
