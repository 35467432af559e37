package io.dreamscape.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network to dream with. Input: float32 N×3×H×W RGB in [0,1] (any normalisation happens inside);
 * output: the activations of the requested layers, differentiable with respect to the input.
 *
 * <p>Implementations: {@link TorchScriptNetwork} (a .pt file, dict or tuple+sidecar outputs) and the built-in GoogLeNet.
 * The engine calls {@link #activations} inside a {@code GradientCollector}; an implementation must not accumulate
 * parameter gradients (freeze its parameters) and must behave as in inference (e.g. BatchNorm on running statistics).
 */
public interface DreamNetwork extends AutoCloseable {

    /** Layers that can be dreamed on, ordered from shallow to deep. */
    List<String> layers();

    /**
     * Activations for {@code layers}, in the order given; arrays belong to the input's manager.
     * Implementations compute no deeper than the deepest requested layer where they can.
     */
    NDList activations(NDArray input, List<String> layers);

    /**
     * Channel count of each dream layer (the C of its N×C×H×W activation), in {@link #layers()} order. Known from the
     * architecture or a sidecar where possible; else learnt once by one forward pass of a small input (and cached).
     * An empty map means unknown (channel indexes are then checked when the layer is first computed).
     */
    default Map<String, Integer> channels() {
        return Map.of();
    }

    /** A short description for logs and errors, e.g. the file name. */
    String name();

    @Override
    void close();

    static void requireKnown(DreamNetwork net, Set<String> names) {
        for (String n : names) {
            if (!net.layers().contains(n)) {
                Map<String, Integer> channels;
                try {
                    channels = net.channels();
                } catch (RuntimeException e) {
                    channels = Map.of(); // the counts only decorate the message
                }
                throw new IllegalArgumentException("unknown layer '" + n + "'; this model's layers are: "
                        + io.dreamscape.job.LayerSelection.describe(net.layers(), channels));
            }
        }
    }
}
