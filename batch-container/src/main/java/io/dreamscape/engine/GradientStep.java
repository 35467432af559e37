package io.dreamscape.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.job.LayerWeight;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One model call: the gradient of the dream objective with respect to a batch of tile windows. The objective of a
 * window is {@code Σ weight · mean(activation²)} over the requested layers (means over that window's own activations,
 * over the chosen channels where a layer names some), as in google/deepdream, or the guided objective with a guide
 * image ({@link Objective}); a batch's loss is the sum of its windows' objectives, so each window's gradient is the one
 * it would get alone.
 *
 * <p>Thread-safe: several threads may compute at once (the engine does so on the CPU, see {@link TorchRuntime}).
 * It therefore does not use DJL's {@code GradientCollector}, which allows one collector per process; it switches
 * libtorch's grad mode, which is thread-local, around its own forward and backward.
 */
public final class GradientStep implements AutoCloseable {
    private final DreamNetwork network;
    private final Objective objective;
    private final NDManager root;
    private final Device device;
    private final AtomicLong computeNanos = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong windowCount = new AtomicLong();
    private final AtomicLong hostWindows = new AtomicLong();

    public GradientStep(DreamNetwork network, List<LayerWeight> objective, Device device) {
        this(network, objective, device, null);
    }

    /**
     * With a {@code guide} (may be null), the objective is google/deepdream's guided one, towards the guide's
     * features (computed here, once, on the device); see {@link Objective}.
     */
    public GradientStep(DreamNetwork network, List<LayerWeight> objective, Device device, GuideImage guide) {
        this.network = network;
        Engine engine = TorchRuntime.engine();
        this.device = device;
        this.root = engine.newBaseManager(device);
        try {
            this.objective = Objective.create(network, objective, root, guide);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** Gradient (planar, 3·h·w, same layout as {@code window}) and the objective's value for this window. */
    public record Result(float[] gradient, double objective) {
    }

    /** Gradients of a batch on the device ({@code N×3×h×w}, in the caller's manager) and each window's objective. */
    public record Batch(NDArray gradient, float[] objectives) {
    }

    public Device device() {
        return device;
    }

    /** A manager on this step's device for one unit of work; close it to free what it holds. */
    public NDManager newManager() {
        return root.newSubManager();
    }

    /** One window from the JVM (the streamed path): its gradient comes back as a JVM array. */
    public Result compute(float[] window, int width, int height) {
        hostWindows.incrementAndGet();
        try (NDManager m = root.newSubManager()) {
            NDArray x = m.create(window, new Shape(1, 3, height, width));
            Batch b = computeBatch(x, true);
            return new Result(b.gradient().toFloatArray(), b.objectives()[0]);
        }
    }

    /**
     * Gradients of {@code windows} ({@code N×3×h×w}, on this step's device): the result's arrays belong to
     * {@code windows}' manager. Only the N objectives cross to the JVM.
     */
    public Batch computeBatch(NDArray windows) {
        return computeBatch(windows, false);
    }

    /** {@code owned}: the array is ours to mark as requiring a gradient (else a copy is marked). */
    private Batch computeBatch(NDArray windows, boolean owned) {
        long t0 = System.nanoTime();
        boolean was = JniUtils.isGradMode();
        try {
            JniUtils.setGradMode(true);
            NDArray x = owned ? windows : windows.duplicate();
            x.setRequiresGradient(true);
            NDList acts = network.activations(x, objective.layers());
            NDArray perWindow = objective.perWindow(acts);
            NDArray loss = perWindow.sum();
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
            float[] objectives = perWindow.toFloatArray();
            NDArray g = x.getGradient();
            acts.close();
            return new Batch(g, objectives);
        } finally {
            JniUtils.setGradMode(was);
            computeNanos.addAndGet(System.nanoTime() - t0);
            calls.incrementAndGet();
            windowCount.addAndGet(windows.getShape().get(0));
        }
    }

    /** Time spent inside model calls (forward, backward; tensor in and out on the streamed path). */
    public long computeNanos() {
        return computeNanos.get();
    }

    /** Model calls made (a batch is one call). */
    public long calls() {
        return calls.get();
    }

    /** Windows that came from and went back to JVM arrays ({@link #compute}): the streamed path's host copies. */
    public long hostWindows() {
        return hostWindows.get();
    }

    /** Windows computed (a batch of N counts N). */
    public long windows() {
        return windowCount.get();
    }

    @Override
    public void close() {
        root.close();
    }
}
