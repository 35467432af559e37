package io.dreamscape.engine;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The devices one image runs on: one {@link GradientStep} per device (a GPU each; on the CPU several steps on
 * {@code Device.cpu()} stand in for them). Device 0 holds the octave on the resident path and the normaliser is
 * always taken there, from sums gathered in tile order: which device computed a window never changes the result.
 *
 * <p>Work is handed out as a queue: each window (streamed path) or batch (resident path) runs on whichever device is
 * free next, {@code perDevice} calls at a time per device (the engine's threads per device, {@link TorchRuntime}).
 */
public final class DeviceQueue {
    private final List<GradientStep> steps;
    private final int perDevice;
    private final BlockingQueue<Integer> free;

    public DeviceQueue(List<GradientStep> steps, int perDevice) {
        if (steps.isEmpty()) throw new IllegalArgumentException("at least one device is needed");
        this.steps = List.copyOf(steps);
        this.perDevice = Math.max(1, perDevice);
        this.free = new ArrayBlockingQueue<>(this.steps.size() * this.perDevice);
        // Interleaved (0, 1, …, 0, 1, …) so that a round smaller than all slots still spreads over the devices.
        for (int k = 0; k < this.perDevice; k++) {
            for (int d = 0; d < this.steps.size(); d++) free.add(d);
        }
    }

    /** A call on one device: its index (0 holds the image) and its gradient step. */
    @FunctionalInterface
    public interface Work<T> {
        T on(int device, GradientStep step);
    }

    /** Runs {@code work} on the next free device (waits for one); the device is free again when it returns. */
    public <T> T call(Work<T> work) {
        int d;
        try {
            d = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free device", e);
        }
        try {
            return work.on(d, steps.get(d));
        } finally {
            free.add(d);
        }
    }

    public int devices() {
        return steps.size();
    }

    /** Calls that can run at once: devices × calls per device; the engine runs that many threads. */
    public int slots() {
        return steps.size() * perDevice;
    }

    public GradientStep step(int device) {
        return steps.get(device);
    }

    public GradientStep first() {
        return steps.get(0);
    }

    public List<GradientStep> steps() {
        return steps;
    }
}
