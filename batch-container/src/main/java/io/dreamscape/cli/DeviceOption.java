package io.dreamscape.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.dreamscape.engine.DeviceCount;
import io.dreamscape.job.ParameterException;

/** Parses {@code cpu}, {@code gpu} or {@code gpu:N} and checks that the device exists. */
final class DeviceOption {
    private DeviceOption() {
    }

    static Device parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return Device.cpu();
        int index = 0;
        if (t.startsWith("gpu:")) {
            try {
                index = Integer.parseInt(t.substring(4));
            } catch (NumberFormatException e) {
                throw new ParameterException("--device " + text + ": write cpu, gpu or gpu:N");
            }
        } else if (!t.equals("gpu")) {
            throw new ParameterException("--device " + text + ": write cpu, gpu or gpu:N");
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (index >= gpus) {
            throw new ParameterException("--device " + text + ": " + (gpus == 0 ? "no GPU is visible to PyTorch here"
                    : "only " + gpus + " GPU(s) are visible (gpu:0 to gpu:" + (gpus - 1) + ")") + "; use --device cpu");
        }
        return Device.gpu(index);
    }

    /** The devices one image runs on ({@link DeviceCount}), {@code first} (parsed from {@code text}) first. */
    static java.util.List<Device> all(Device first, String text, String count) {
        try {
            int gpus = first.isGpu() ? Engine.getEngine("PyTorch").getGpuCount() : 0;
            return DeviceCount.resolve(first, text.trim().toLowerCase(java.util.Locale.ROOT).startsWith("gpu:"), gpus, count);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(e.getMessage());
        }
    }
}
