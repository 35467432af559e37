package io.dreamscape.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.job.LayerWeight;
import java.util.List;

/**
 * One model call: the gradient of the dream objective with respect to one tile window. The objective is
 * {@code Σ weight · mean(activation²)} over the requested layers, as in google/deepdream. Each call runs in its own
 * sub-NDManager so native memory stays flat over thousands of tiles.
 */
public final class GradientStep implements AutoCloseable {
    private final DreamNetwork network;
    private final List<String> layers;
    private final float[] weights;
    private final NDManager root;
    private final Engine engine;
    private long computeNanos;
    private long calls;

    public GradientStep(DreamNetwork network, List<LayerWeight> objective, Device device) {
        DreamNetwork.requireKnown(network, new java.util.HashSet<>(objective.stream().map(LayerWeight::name).toList()));
        this.network = network;
        this.layers = objective.stream().map(LayerWeight::name).toList();
        this.weights = new float[objective.size()];
        for (int i = 0; i < weights.length; i++) weights[i] = (float) objective.get(i).weight();
        this.engine = Engine.getEngine("PyTorch");
        this.root = engine.newBaseManager(device);
    }

    /** Gradient (planar, 3·h·w, same layout as {@code window}) and the objective's value for this window. */
    public record Result(float[] gradient, double objective) {
    }

    public Result compute(float[] window, int width, int height) {
        long t0 = System.nanoTime();
        try (NDManager m = root.newSubManager()) {
            NDArray x = m.create(window, new Shape(1, 3, height, width));
            x.setRequiresGradient(true);
            double value;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDList acts = network.activations(x, layers);
                NDArray loss = null;
                for (int i = 0; i < acts.size(); i++) {
                    NDArray term = acts.get(i).square().mean().mul(weights[i]);
                    loss = loss == null ? term : loss.add(term);
                }
                gc.backward(loss);
                value = loss.getFloat();
            }
            return new Result(x.getGradient().toFloatArray(), value);
        } finally {
            computeNanos += System.nanoTime() - t0;
            calls++;
        }
    }

    /** Time spent inside model calls (tensor in, forward, backward, gradient out): the engine's overhead is the rest. */
    public long computeNanos() {
        return computeNanos;
    }

    public long calls() {
        return calls;
    }

    @Override
    public void close() {
        root.close();
    }
}
