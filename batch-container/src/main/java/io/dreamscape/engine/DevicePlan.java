package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.job.ByteSize;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.OctaveSizes;
import java.util.ArrayList;
import java.util.List;

/**
 * Which path the engine takes for one octave: {@code RESIDENT} (the octave lives on the device for all its steps,
 * {@link ResidentOctave}) when its working set fits the device memory budget with room for at least one batch of
 * windows, else {@code STREAMED} (memory-mapped planes, windows copied to the device one by one).
 *
 * <p>For {@code dreamscape doctor}: {@link #forImage} says, per octave, which path and batch a run would use.
 */
public record DevicePlan(Path path, int batch, int octave, int width, int height, long neededBytes, long budgetBytes,
                         String reason) {
    public enum Path { RESIDENT, STREAMED }

    /**
     * Device bytes per image pixel on the resident path: the image, its extended copy, the range gradient and the
     * image gradient, the next image and a float64 copy for the normaliser's sum (3 channels × 4 bytes × 8).
     */
    public static final long BYTES_PER_IMAGE_PIXEL = 96;
    /**
     * Device bytes per window pixel of one model call (activations kept for backward and their gradients): an
     * estimate for mid layers of GoogLeNet/MobileNetV2-sized networks; large enough for 512² windows at 1 GB peak.
     */
    public static final long BYTES_PER_WINDOW_PIXEL = 1024;
    /** Batches above this gain nothing measurable and only delay the first progress report. */
    public static final int MAX_BATCH = 16;
    /**
     * The CPU default budget: 0, the streamed path. Measured on this project's 2-core machine (docs/benchmarks.md):
     * the streamed path costs 2-6× less host time per Mpx·step than the resident one (null model, 4096²: 52-158 vs
     * 332 ms), whose element-wise tensor passes over the whole image run on one libtorch thread.
     * On the CPU the resident path is there for tests and for {@code --device-memory}; on a GPU it is the default.
     */
    public static final long CPU_DEFAULT_BUDGET = 0;
    /** Share of a GPU's free memory the engine may take by default. */
    public static final double GPU_SHARE = 0.8;

    /** The budget of a run: the parameter when set, else the default for the device. */
    public static long budget(DreamParameters p, Device device) {
        if (p.deviceMemory() != null) return p.deviceMemory();
        if (device.isGpu()) {
            try {
                java.lang.management.MemoryUsage m = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
                return (long) ((m.getMax() - m.getUsed()) * GPU_SHARE);
            } catch (RuntimeException | LinkageError e) {
                return 8L << 30;
            }
        }
        return CPU_DEFAULT_BUDGET;
    }

    /** The path for one octave of {@code width × height}. */
    public static DevicePlan choose(int octave, int width, int height, DreamParameters p, long budget) {
        return choose(octave, width, height, p, budget, MAX_BATCH);
    }

    /**
     * As above with a batch cap: on the CPU 1, because there the windows of a step run in parallel on the engine's
     * threads with one libtorch thread each (measured: a batch of 16 MobileNetV2 windows on one thread was 6× slower
     * than the same windows spread over both cores).
     */
    public static DevicePlan choose(int octave, int width, int height, DreamParameters p, long budget, int maxBatch) {
        long image = (BYTES_PER_IMAGE_PIXEL + (p.normalize() == io.dreamscape.job.Normalize.LAPLACIAN
                ? LaplacianTensors.BYTES_PER_IMAGE_PIXEL : 0)) * width * height;
        int tile = p.tile();
        int margin = OctaveSizes.contextMargin(tile);
        long window = (long) Math.min(width + p.jitter(), tile + 2 * margin) * Math.min(height + p.jitter(), tile + 2 * margin);
        long perWindow = BYTES_PER_WINDOW_PIXEL * Math.max(window, (long) OctaveSizes.MIN_WINDOW * OctaveSizes.MIN_WINDOW);
        long needed = image + perWindow;
        if (needed > budget) {
            String why = image > budget
                    ? "the octave needs " + mb(image) + " on the device, the budget is " + mb(budget)
                    : "the octave fits (" + mb(image) + ") but leaves no room for one batch of windows (" + mb(perWindow)
                    + ") in the budget of " + mb(budget);
            return new DevicePlan(Path.STREAMED, 1, octave, width, height, needed, budget, why);
        }
        int batch = (int) Math.max(1, Math.min(maxBatch, (budget - image) / perWindow));
        return new DevicePlan(Path.RESIDENT, batch, octave, width, height, needed, budget,
                "the octave and a batch of " + batch + " windows fit in " + mb(budget));
    }

    /** Per octave (smallest first), the path a dream of {@code width × height} with {@code p} on {@code device} takes. */
    public static List<DevicePlan> forImage(int width, int height, DreamParameters p, Device device) {
        long budget = budget(p, device);
        List<DevicePlan> out = new ArrayList<>();
        int k = 0;
        for (OctaveSizes.Size s : OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale())) {
            out.add(choose(k++, s.width(), s.height(), p, budget, maxBatch(device)));
        }
        return out;
    }

    /** The largest batch worth forming on {@code device}. */
    public static int maxBatch(Device device) {
        return device.isGpu() ? MAX_BATCH : 1;
    }

    private static String mb(long bytes) {
        return bytes >= (1L << 30) ? String.format("%.1f GiB", bytes / (double) (1L << 30)) : (bytes >> 20) + " MiB";
    }

    @Override
    public String toString() {
        return "octave " + octave + " (" + width + "×" + height + "): " + path + (path == Path.RESIDENT ? ", batch " + batch : "")
                + " — " + reason + " (budget " + ByteSize.format(budgetBytes) + ")";
    }
}
