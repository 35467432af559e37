package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import java.util.List;

/**
 * What a window's dream maximises, one term per requested layer, summed with the terms' weights. Each term sees the
 * layer's activation {@code a} (N×C×H×W), or only the chosen channels of it ({@code name#c1,c2}: selected on the
 * device before anything else, so the other channels contribute nothing, not even to the gradient):
 *
 * <ul>
 *   <li>plain (google/deepdream's objective_L2): {@code mean(a²)} over the (chosen) channels and positions;</li>
 *   <li>guided (google/deepdream's objective_guide): with the guide image's features {@code y} at that layer
 *   (C×M, M guide positions), {@code mean over positions i of max_j (x_i · y_j)} where {@code x_i} is the window's
 *   feature vector at position i. Its gradient with respect to {@code x_i} is {@code y} at the best-matching guide
 *   position (divided by the number of positions), google's {@code dst.diff = y[:, A.argmax(1)]} up to that constant,
 *   which the step's normaliser removes. Computed for a whole batch as one matmul and one max.</li>
 * </ul>
 *
 * <p>The guide's features are computed once, when the objective is made, from the one guide image (see
 * {@link GuideImage}), and kept on the device: every tile, octave and shard (each shard makes them the same way from
 * the same guide) pulls towards the same features.
 */
final class Objective {
    private final List<String> layers;
    /**
     * Per term: the weight as a 0-d array in the step's manager, kept as long as the step. Not {@code mul(float)}:
     * DJL makes that operand a tensor over a new direct buffer and closes it as soon as mul returns, while autograd
     * keeps it for the backward ({@code MulBackward0} saves it); a GC in between frees the buffer and the backward
     * reads freed memory (see ConcurrencyStress {@code scalar} and notes issue-13-crash). Same tensor, same result.
     */
    private final NDArray[] weights;
    /** Per term: the chosen channels as an int64 index on the device, or null for every channel. */
    private final NDArray[] channels;
    /** Per term: the guide's features (C×M, chosen channels only) on the device, or null without a guide. */
    private final NDArray[] guide;

    private Objective(List<String> layers, NDArray[] weights, NDArray[] channels, NDArray[] guide) {
        this.layers = layers;
        this.weights = weights;
        this.channels = channels;
        this.guide = guide;
    }

    /**
     * The objective of {@code terms} on {@code network}; the arrays it keeps live in {@code manager} (the step's).
     * With a {@code guideImage}, its features are computed here, with one forward pass and no gradient.
     *
     * @throws io.dreamscape.job.ParameterException if a layer is unknown or a channel index is beyond its layer's count
     */
    static Objective create(DreamNetwork network, List<LayerWeight> terms, NDManager manager, GuideImage guideImage) {
        List<String> names = terms.stream().map(LayerWeight::name).toList();
        DreamNetwork.requireKnown(network, new java.util.HashSet<>(names));
        LayerSelection.checkChannels(terms, network.channels());
        NDArray[] weights = new NDArray[terms.size()];
        NDArray[] channels = new NDArray[terms.size()];
        for (int i = 0; i < terms.size(); i++) {
            weights[i] = manager.create((float) terms.get(i).weight());
            List<Integer> c = terms.get(i).channels();
            if (!c.isEmpty()) {
                channels[i] = manager.create(c.stream().mapToLong(Integer::longValue).toArray());
            }
        }
        NDArray[] guide = guideImage == null ? null : guideFeatures(network, names, channels, manager, guideImage);
        return new Objective(names, weights, channels, guide);
    }

    private static NDArray[] guideFeatures(DreamNetwork network, List<String> names, NDArray[] channels,
                                           NDManager manager, GuideImage g) {
        NDArray[] features = new NDArray[names.size()];
        boolean was = JniUtils.isGradMode();
        try (NDManager m = manager.newSubManager()) {
            JniUtils.setGradMode(false);
            NDArray x = m.create(g.planar(), new Shape(1, 3, g.height(), g.width()));
            NDList acts = network.activations(x, names);
            for (int i = 0; i < names.size(); i++) {
                NDArray a = select(acts.get(i), channels[i]);
                NDArray y = a.reshape(a.getShape().get(1), -1); // C×M
                y.attach(manager);
                features[i] = y;
            }
        } finally {
            JniUtils.setGradMode(was);
        }
        return features;
    }

    /** The layers whose activations {@link #perWindow} takes, in order. */
    List<String> layers() {
        return layers;
    }

    boolean guided() {
        return guide != null;
    }

    /** Each window's objective (an N-vector, differentiable) from the activations of {@link #layers()}. */
    NDArray perWindow(NDList activations) {
        NDArray sum = null;
        for (int i = 0; i < activations.size(); i++) {
            NDArray a = select(activations.get(i), channels[i]);
            long n = a.getShape().get(0);
            NDArray term;
            if (guide == null) {
                term = a.reshape(n, -1).square().mean(new int[] {1});
            } else {
                NDArray x = a.reshape(n, a.getShape().get(1), -1).transpose(0, 2, 1);
                term = bestMatch(x, guide[i]).mean(new int[] {1});
            }
            term = term.mul(weights[i]);
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }

    /**
     * For each window and position, the largest dot product with any guide position: {@code x} is N×P×C (positions ×
     * features), {@code y} C×M. The N×P×M products are made {@link #CHUNK_FLOATS} at a time over the guide's positions
     * and each chunk is freed once its maximum is taken (the maximum's backward keeps only the argmax, the product's
     * only x and y), so memory stays bounded for shallow layers with many positions.
     */
    static NDArray bestMatch(NDArray x, NDArray y) {
        return bestMatch(x, y, CHUNK_FLOATS);
    }

    static NDArray bestMatch(NDArray x, NDArray y, long chunkFloats) {
        long rows = x.getShape().get(0) * x.getShape().get(1);
        long m = y.getShape().get(1);
        long chunk = Math.max(1, chunkFloats / Math.max(1, rows));
        if (chunk >= m) {
            NDArray dots = x.matMul(y);
            NDArray best = dots.max(new int[] {2});
            dots.close();
            return best;
        }
        NDList maxima = new NDList();
        for (long j = 0; j < m; j += chunk) {
            NDArray part = y.get(new NDIndex(":, {}:{}", j, Math.min(m, j + chunk)));
            NDArray dots = x.matMul(part);
            maxima.add(dots.max(new int[] {2}));
            dots.close();
        }
        return ai.djl.ndarray.NDArrays.stack(maxima, 2).max(new int[] {2});
    }

    /** Largest dot-product block made at once (floats): 64 MB. */
    static final long CHUNK_FLOATS = 1L << 24;

    private static NDArray select(NDArray activation, NDArray channelIndex) {
        return channelIndex == null ? activation : activation.get(new NDIndex(":, {}", channelIndex));
    }
}
