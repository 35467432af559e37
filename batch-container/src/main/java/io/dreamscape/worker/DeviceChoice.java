package io.dreamscape.worker;

import ai.djl.Device;
import io.dreamscape.engine.DeviceCount;
import io.dreamscape.log.JsonLog;
import java.util.Locale;

/**
 * The worker's {@code --device}: {@code gpu} (default) takes GPU 0 when PyTorch sees one and falls back to the CPU with
 * a warning; {@code gpu:N} insists on GPU N; {@code cpu} is the CPU.
 *
 * <p><b>All visible GPUs for one image.</b> The engine's gradient step does not use DJL's one-per-JVM
 * {@code GradientCollector}, so one worker drives every GPU it sees ({@link #all}, {@code DeviceQueue}): the multi-GPU
 * job definition asks Batch for all GPUs of the instance; the one-GPU definition asks for one, and ECS pins that GPU
 * (inside the container it is {@code gpu:0}). {@code --device gpu:N} means GPU N alone; {@code --devices N} or
 * {@code DREAMSCAPE_DEVICES=N} sets the count.
 */
public final class DeviceChoice {
    private DeviceChoice() {
    }

    public static Device resolve(String text, int gpuCount, JsonLog log) {
        String t = text == null ? "gpu" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) return Device.cpu();
        if (t.equals("gpu")) {
            if (gpuCount == 0) {
                log.warn("no GPU is visible to PyTorch: dreaming on the CPU, which is one to two orders of magnitude "
                        + "slower (check the instance type, the NVIDIA driver and that libtorch is a CUDA build)");
                return Device.cpu();
            }
            return Device.gpu(0);
        }
        if (t.startsWith("gpu:")) {
            int index;
            try {
                index = Integer.parseInt(t.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--device " + text + ": write cpu, gpu or gpu:N");
            }
            if (index < 0 || index >= gpuCount) {
                throw new IllegalArgumentException("--device " + text + ": " + (gpuCount == 0
                        ? "no GPU is visible to PyTorch here" : "only gpu:0 to gpu:" + (gpuCount - 1) + " exist"));
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("--device " + text + ": write cpu, gpu or gpu:N");
    }

    /** The devices one image runs on, {@code first} first: see {@link DeviceCount}; logged when more than one. */
    public static java.util.List<Device> all(Device first, String text, int gpuCount, String count, JsonLog log) {
        boolean pinned = text != null && text.trim().toLowerCase(Locale.ROOT).startsWith("gpu:");
        java.util.List<Device> all = DeviceCount.resolve(first, pinned, gpuCount, count);
        if (all.size() > 1) {
            log.info("one image on " + all.size() + " devices (" + DeviceCount.describe(all) + "), one normaliser per step",
                    "devices", all.size(), "gpus", gpuCount);
        }
        return all;
    }
}
