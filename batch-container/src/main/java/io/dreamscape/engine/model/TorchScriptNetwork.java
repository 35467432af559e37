package io.dreamscape.engine.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript dream model. {@code forward(x)} returns either a dict layer → activation (DJL names each array by
 * its key) or a tuple whose names come from a sidecar {@code <model>.json} ({@code outputs[].index},
 * {@code outputs[].name}) next to the file.
 */
public final class TorchScriptNetwork implements DreamNetwork {
    private final Model model;
    private final Block block;
    private final ParameterStore parameters;
    private final List<String> layers;
    /** For tuple outputs: layer name → tuple index; null for dict outputs. */
    private final Map<String, Integer> tupleIndex;
    private final String name;
    /** Channel counts: from the sidecar when it gives every layer's, else probed once (see {@link #channels()}). */
    private volatile Map<String, Integer> channels;

    /** Side of the square input the channel probe runs (small: only the channel axis is read). */
    static final int PROBE_SIDE = 64;

    private TorchScriptNetwork(Model model, List<String> layers, Map<String, Integer> tupleIndex, String name) {
        this.model = model;
        this.block = model.getBlock();
        this.parameters = new ParameterStore(model.getNDManager(), false);
        this.layers = List.copyOf(layers);
        this.tupleIndex = tupleIndex;
        this.name = name;
    }

    public static TorchScriptNetwork load(Path file, Device device) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("model file not found: " + file);
        }
        io.dreamscape.engine.TorchRuntime.engine(); // thread and log settings before libtorch runs anything
        Model model = Model.newInstance(file.getFileName().toString(), device, "PyTorch");
        try {
            // trainParam=true: without it the module is loaded in inference mode and backward fails with
            // "Inference tensors cannot be saved for backward".
            model.load(file, null, Map.of("trainParam", "true"));
            model.getBlock().freezeParameters(true);
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            throw new IOException("cannot load TorchScript model " + file + ": " + e.getMessage(), e);
        }
        try {
            Path sidecar = sidecarOf(file);
            if (Files.isRegularFile(sidecar)) {
                Map<String, Integer> index = readSidecar(sidecar);
                List<String> ordered = index.entrySet().stream().sorted(Map.Entry.comparingByValue())
                        .map(Map.Entry::getKey).toList();
                TorchScriptNetwork net = new TorchScriptNetwork(model, ordered, index, file.getFileName().toString());
                net.channels = sidecarChannels(sidecar, ordered);
                return net;
            }
            return new TorchScriptNetwork(model, probeDictLayers(model, file), null, file.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    static Path sidecarOf(Path model) {
        String n = model.getFileName().toString();
        String base = n.endsWith(".pt") || n.endsWith(".pth") ? n.substring(0, n.lastIndexOf('.')) : n;
        return model.resolveSibling(base + ".json");
    }

    private static Map<String, Integer> readSidecar(Path sidecar) throws IOException {
        JsonNode root = new ObjectMapper().readTree(sidecar.toFile());
        JsonNode outputs = root.path("outputs");
        if (!outputs.isArray() || outputs.isEmpty()) {
            throw new IOException(sidecar + " has no outputs[] list naming the model's tuple outputs");
        }
        Map<String, Integer> index = new HashMap<>();
        for (JsonNode o : outputs) {
            if (!o.path("index").isInt() || !o.path("name").isTextual()) {
                throw new IOException(sidecar + ": every outputs[] entry needs an integer index and a name, got " + o);
            }
            index.put(o.get("name").asText(), o.get("index").asInt());
        }
        return index;
    }

    /** The sidecar's {@code outputs[].channels} when every output has one (else null: probe). */
    static Map<String, Integer> sidecarChannels(Path sidecar, List<String> ordered) throws IOException {
        JsonNode outputs = new ObjectMapper().readTree(sidecar.toFile()).path("outputs");
        Map<String, Integer> byName = new HashMap<>();
        for (JsonNode o : outputs) {
            if (!o.path("channels").canConvertToInt() || o.path("channels").asInt() < 1) return null;
            byName.put(o.path("name").asText(), o.path("channels").asInt());
        }
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        for (String l : ordered) m.put(l, byName.get(l));
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Channel counts, shallow to deep: the sidecar's, or learnt by one forward pass of a {@value #PROBE_SIDE}² input
     * (once per loaded model; the result is kept).
     */
    @Override
    public Map<String, Integer> channels() {
        Map<String, Integer> c = channels;
        if (c != null) return c;
        synchronized (this) {
            if (channels == null) {
                try (NDManager m = model.getNDManager().newSubManager()) {
                    NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(1, 3, PROBE_SIDE, PROBE_SIDE));
                    boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
                    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
                    try {
                        NDList acts = activations(x, layers);
                        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
                        for (int i = 0; i < layers.size(); i++) {
                            long[] shape = acts.get(i).getShape().getShape();
                            counts.put(layers.get(i), shape.length >= 2 ? (int) shape[1] : 1);
                        }
                        channels = java.util.Collections.unmodifiableMap(counts);
                    } finally {
                        ai.djl.pytorch.jni.JniUtils.setGradMode(was);
                    }
                }
            }
            return channels;
        }
    }

    /** Runs a small input once to learn the dict keys; orders them shallow→deep by falling spatial size. */
    private static List<String> probeDictLayers(Model model, Path file) throws IOException {
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(1, 3, 64, 64));
            NDList out = model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false);
            List<NDArray> arrays = new ArrayList<>(out);
            if (arrays.stream().anyMatch(a -> a.getName() == null || a.getName().isEmpty())) {
                throw new IOException("model " + file.getFileName() + " returns unnamed outputs (a tuple); put a sidecar "
                        + sidecarOf(file).getFileName() + " next to it with outputs[].index and outputs[].name");
            }
            arrays.sort(Comparator.comparingLong((NDArray a) -> -spatial(a)).thenComparing(NDArray::getName));
            return arrays.stream().map(NDArray::getName).toList();
        }
    }

    private static long spatial(NDArray a) {
        long[] s = a.getShape().getShape();
        return s.length >= 2 ? s[s.length - 1] * s[s.length - 2] : 1;
    }

    @Override
    public List<String> layers() {
        return layers;
    }

    @Override
    public NDList activations(NDArray input, List<String> wanted) {
        DreamNetwork.requireKnown(this, new java.util.HashSet<>(wanted));
        NDList out = block.forward(parameters, new NDList(input), true);
        NDList result = new NDList(wanted.size());
        for (String layer : wanted) {
            if (tupleIndex != null) {
                int i = tupleIndex.get(layer);
                if (i >= out.size()) {
                    throw new IllegalStateException(name + " returned " + out.size() + " outputs but its sidecar names index " + i);
                }
                result.add(out.get(i));
            } else {
                result.add(out.stream().filter(a -> layer.equals(a.getName())).findFirst().orElseThrow(
                        () -> new IllegalStateException(name + " did not return layer " + layer)));
            }
        }
        return result;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        model.close();
    }
}
