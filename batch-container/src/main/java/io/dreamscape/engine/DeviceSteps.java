package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.job.LayerWeight;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link GradientStep} per device for {@link DreamEngine}'s multi-device constructor, with the network loaded
 * once per GPU (a TorchScript module lives on one device). CPU "devices" share the caller's network, as the CPU
 * path's threads already do. Closes what it opened; the first network stays the caller's.
 */
public final class DeviceSteps implements AutoCloseable {
    /** Opens the same network on another device. */
    @FunctionalInterface
    public interface Opener<E extends Exception> {
        DreamNetwork open(Device device) throws E;
    }

    private final List<GradientStep> steps = new ArrayList<>();
    private final List<DreamNetwork> opened = new ArrayList<>();

    private DeviceSteps() {
    }

    public static <E extends Exception> DeviceSteps open(DreamNetwork first, List<LayerWeight> layers,
                                                         List<Device> devices, Opener<E> opener) throws E {
        DeviceSteps s = new DeviceSteps();
        try {
            for (Device d : devices) {
                DreamNetwork net = first;
                if (!d.equals(devices.get(0))) {
                    net = opener.open(d);
                    s.opened.add(net);
                }
                s.steps.add(new GradientStep(net, layers, d));
            }
            return s;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    public List<GradientStep> steps() {
        return List.copyOf(steps);
    }

    /** Model time summed over the devices (it exceeds the wall time when they overlap). */
    public long computeNanos() {
        return steps.stream().mapToLong(GradientStep::computeNanos).sum();
    }

    public long calls() {
        return steps.stream().mapToLong(GradientStep::calls).sum();
    }

    @Override
    public void close() {
        for (GradientStep g : steps) g.close();
        for (DreamNetwork n : opened) n.close();
    }
}
