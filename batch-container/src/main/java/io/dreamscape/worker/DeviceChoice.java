package io.dreamscape.worker;

import ai.djl.Device;
import io.dreamscape.log.JsonLog;
import java.util.Locale;

/**
 * The worker's {@code --device}: {@code gpu} (default) takes GPU 0 when PyTorch sees one and falls back to the CPU with
 * a warning; {@code gpu:N} insists on GPU N; {@code cpu} is the CPU.
 *
 * <p><b>One GPU per worker process.</b> DJL allows one {@code GradientCollector} per JVM at a time, so one JVM cannot
 * compute input gradients on two GPUs concurrently. Parallelism across GPUs therefore comes from several worker
 * processes: the Batch job definition asks for one GPU per array child, and ECS pins each child container to its own
 * GPU (it sets {@code NVIDIA_VISIBLE_DEVICES}, so inside the container that GPU is {@code gpu:0}); on a multi-GPU
 * instance Batch places as many children as there are GPUs. Run by hand on a multi-GPU machine, start one worker per
 * GPU with {@code --device gpu:N} (or one container each). When the worker sees several GPUs it says so in its log.
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
            if (gpuCount > 1) {
                log.info("several GPUs are visible; this worker uses gpu:0 only (one GPU per worker process: run one "
                        + "worker per GPU with --device gpu:N)", "gpus", gpuCount);
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
}
