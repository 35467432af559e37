package io.dreamscape.engine;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;

/**
 * How many devices one image runs on ({@link DeviceQueue}). By default every GPU PyTorch sees (on AWS Batch the job
 * definition's GPU count decides what the container sees), starting at the one chosen; a pinned {@code gpu:N} means
 * that GPU alone; the CPU is one device. {@code DREAMSCAPE_DEVICES=N} (or a command's {@code --devices N}) overrides:
 * fewer GPUs, or N "devices" on the CPU (N gradient steps used by N threads: how the tests and benchmarks stand in for
 * several GPUs).
 */
public final class DeviceCount {
    public static final String ENV = "DREAMSCAPE_DEVICES";

    private DeviceCount() {
    }

    /**
     * @param first    the device chosen ({@code --device})
     * @param pinned   whether the device was named with an index ({@code gpu:N}), which means that one GPU
     * @param gpuCount GPUs PyTorch sees
     * @param override {@code --devices} or {@code DREAMSCAPE_DEVICES}; null or blank for the default
     */
    public static List<Device> resolve(Device first, boolean pinned, int gpuCount, String override) {
        int n;
        if (override == null || override.isBlank()) {
            n = first.isGpu() && !pinned ? Math.max(1, gpuCount - first.getDeviceId()) : 1;
        } else {
            String t = override.trim();
            if (!t.matches("[0-9]{1,3}") || Integer.parseInt(t) < 1) {
                throw new IllegalArgumentException(ENV + "/--devices '" + override + "' is not a device count: write 1, 2, …");
            }
            n = Integer.parseInt(t);
            if (first.isGpu() && first.getDeviceId() + n > gpuCount) {
                throw new IllegalArgumentException(ENV + "/--devices " + n + " from " + first + ": only " + gpuCount
                        + " GPU(s) are visible (gpu:0 to gpu:" + (gpuCount - 1) + ")");
            }
        }
        List<Device> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(first.isGpu() ? Device.gpu(first.getDeviceId() + i) : first);
        return List.copyOf(out);
    }

    /** For logs and usage records: {@code cpu}, {@code gpu:0}, {@code gpu:0-3}, {@code cpu×2}. */
    public static String describe(List<Device> devices) {
        Device first = devices.get(0);
        String one = first.isGpu() ? "gpu:" + first.getDeviceId() : first.getDeviceType();
        if (devices.size() == 1) return one;
        return first.isGpu() ? one + "-" + devices.get(devices.size() - 1).getDeviceId() : one + "×" + devices.size();
    }
}
