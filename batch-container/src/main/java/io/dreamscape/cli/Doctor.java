package io.dreamscape.cli;

import ai.djl.Device;
import io.dreamscape.engine.DeviceCount;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.dreamscape.cli.DoctorReport.Check;
import io.dreamscape.cli.DoctorReport.Status;
import io.dreamscape.engine.DevicePlan;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.Networks;
import io.dreamscape.job.ByteSize;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The checks behind {@code dreamscape doctor}, in the order a render needs them: the engine loads, the device exists,
 * the model opens, one tile goes forward and backward with a usable gradient. A check that cannot pass stops the ones
 * that depend on it (they would only repeat its error).
 *
 * @param model   {@code googlenet} or a TorchScript file
 * @param weights GoogLeNet weights, or null for the cache / baked-in file
 * @param device  {@code auto} (GPU 0 when PyTorch sees one, else the CPU), {@code cpu}, {@code gpu}, {@code gpu:N}
 * @param tile    the tile edge, as {@code --tile}
 */
record Doctor(String model, Path weights, String device, int tile) {

    static final String AUTO = "auto";

    DoctorReport run() {
        List<Check> checks = new ArrayList<>();
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
            checks.add(engineCheck(engine));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            checks.add(new Check("engine", Status.FAIL, "PyTorch did not load: " + message(e)
                    + " (libtorch: " + libtorchSource() + ")", Map.of("djl", Engine.getDjlVersion())));
            return new DoctorReport(checks);
        }
        Optional<Device> dev = deviceCheck(engine, checks);
        if (dev.isEmpty()) {
            return new DoctorReport(checks);
        }
        long t0 = System.nanoTime();
        try (DreamNetwork net = Networks.open(model, weights, dev.get())) {
            List<LayerWeight> layers = LayerSelection.resolve(DreamParameters.defaults(), net.layers());
            checks.add(new Check("model", Status.OK, String.format(Locale.ROOT, "%s: %d layers, default %s, opened "
                            + "in %d ms", net.name(), net.layers().size(), names(layers), millis(t0)),
                    facts("name", net.name(), "layers", net.layers().size(), "defaultLayers", names(layers),
                            "openMillis", millis(t0))));
            checks.add(tileCheck(net, layers, dev.get()));
        } catch (Exception | UnsatisfiedLinkError e) {
            checks.add(new Check("model", Status.FAIL, model + " did not open: " + message(e), facts("name", model)));
            return new DoctorReport(checks);
        }
        checks.add(residencyCheck(dev.get()));
        return new DoctorReport(checks);
    }

    private static Check engineCheck(Engine engine) {
        boolean cuda = engine.hasCapability("CUDA");
        String offline = System.getenv().getOrDefault("DJL_OFFLINE", System.getProperty("ai.djl.offline", "false"));
        return new Check("engine", Status.OK, String.format(Locale.ROOT, "PyTorch %s via DJL %s; libtorch %s%s",
                        engine.getVersion(), Engine.getDjlVersion(), libtorchSource(), cuda ? ", CUDA build" : ""),
                facts("engine", engine.getEngineName(), "libtorch", engine.getVersion(), "djl", Engine.getDjlVersion(),
                        "libtorchSource", libtorchSource(), "cudaBuild", cuda, "djlOffline", offline));
    }

    /** Where libtorch came from: the image sets PYTORCH_LIBRARY_PATH/PYTORCH_FLAVOR; else DJL's bundled CPU build. */
    private static String libtorchSource() {
        String path = System.getenv("PYTORCH_LIBRARY_PATH");
        String flavor = System.getenv("PYTORCH_FLAVOR");
        if (path != null && !path.isBlank()) {
            return (flavor == null ? "?" : flavor) + " from " + path;
        }
        return "bundled with the jar or DJL's cache" + (flavor == null ? "" : " (" + flavor + ")");
    }

    private Optional<Device> deviceCheck(Engine engine, List<Check> checks) {
        int gpus = engine.getGpuCount();
        Optional<List<NvidiaSmi.Gpu>> smi = NvidiaSmi.query();
        List<Map<String, Object>> found = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("device", "gpu:" + i);
            final int index = i;
            smi.flatMap(list -> list.stream().filter(x -> x.index() == index).findFirst()).ifPresent(x -> {
                g.put("name", x.name());
                g.put("memoryMiB", x.memoryMiB());
                g.put("driver", x.driver());
            });
            try {
                g.put("computeCapability", CudaUtils.getComputeCapability(i));
                MemoryUsage mem = CudaUtils.getGpuMemory(Device.gpu(i));
                g.putIfAbsent("memoryMiB", mem.getMax() / (1024 * 1024));
                g.put("freeMiB", (mem.getMax() - mem.getUsed()) / (1024 * 1024));
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                g.put("cudaQueryError", message(e));
            }
            found.add(g);
            described.add(String.format(Locale.ROOT, "gpu:%d %s, %s MiB%s", i, g.getOrDefault("name", "(name unknown)"),
                    g.getOrDefault("memoryMiB", "?"), g.containsKey("driver") ? ", driver " + g.get("driver") : ""));
        }
        String cudaRuntime = gpus > 0 ? safeCudaVersion() : null;
        Map<String, Object> facts = facts("gpuCount", gpus, "gpus", found, "cudaRuntime", cudaRuntime,
                "nvidiaSmi", smi.map(l -> l.size() + " GPU(s)").orElse("not available"));
        String all = gpus == 0 ? "no GPU visible to PyTorch" + smi.filter(l -> !l.isEmpty())
                .map(l -> " (but nvidia-smi lists " + l.size() + ": libtorch is probably not a CUDA build)").orElse("")
                : String.join("; ", described) + (cudaRuntime == null ? "" : "; CUDA " + cudaRuntime);

        String want = device == null ? AUTO : device.trim().toLowerCase(Locale.ROOT);
        Device chosen;
        if (want.equals(AUTO)) {
            chosen = gpus > 0 ? Device.gpu(0) : Device.cpu();
        } else if (want.equals("cpu")) {
            chosen = Device.cpu();
        } else if (want.equals("gpu") || want.startsWith("gpu:")) {
            int index;
            try {
                index = want.equals("gpu") ? 0 : Integer.parseInt(want.substring(4));
            } catch (NumberFormatException e) {
                checks.add(new Check("device", Status.FAIL, "--device " + device + ": write auto, cpu, gpu or gpu:N",
                        facts));
                return Optional.empty();
            }
            if (index >= gpus) {
                String why = gpus == 0
                        ? "no GPU is visible to PyTorch on this machine"
                        + smi.map(l -> l.isEmpty() ? " and nvidia-smi lists none" : ", although nvidia-smi lists "
                                + l.size()).orElse(" and nvidia-smi is not installed")
                        + ". Check that the instance has a GPU, that the NVIDIA driver is loaded, that the container "
                        + "was started with GPU access (docker run --gpus all; Batch: a job definition asking for a "
                        + "GPU) and that libtorch is a CUDA build (libtorch: " + libtorchSource() + ")."
                        : "only gpu:0 to gpu:" + (gpus - 1) + " exist.";
                checks.add(new Check("device", Status.FAIL, "--device " + device + ": " + why, facts));
                return Optional.empty();
            }
            chosen = Device.gpu(index);
        } else {
            checks.add(new Check("device", Status.FAIL, "--device " + device + ": write auto, cpu, gpu or gpu:N",
                    facts));
            return Optional.empty();
        }
        facts.put("using", name(chosen));
        // One image runs on every visible GPU by default (DeviceCount); DREAMSCAPE_DEVICES overrides.
        List<Device> perImage;
        try {
            perImage = DeviceCount.resolve(chosen, want.startsWith("gpu:"), gpus, System.getenv(DeviceCount.ENV));
        } catch (IllegalArgumentException e) {
            checks.add(new Check("device", Status.FAIL, e.getMessage(), facts));
            return Optional.empty();
        }
        facts.put("devicesPerImage", perImage.size());
        String spread = perImage.size() > 1 ? "; one image on " + perImage.size() + " devices (" + DeviceCount.describe(perImage)
                + "), one normaliser per step" : "";
        checks.add(new Check("device", Status.OK, "using " + name(chosen) + spread + "; found: " + all, facts));
        return Optional.of(chosen);
    }

    private Check tileCheck(DreamNetwork net, List<LayerWeight> layers, Device dev) {
        float[] window = new float[3 * tile * tile];
        Random random = new Random(1);
        for (int i = 0; i < window.length; i++) {
            window[i] = random.nextFloat();
        }
        try (GradientStep step = new GradientStep(net, layers, dev)) {
            long t0 = System.nanoTime();
            step.compute(window, tile, tile); // first call: allocations, cuDNN algorithm choice, JIT
            long first = millis(t0);
            long t1 = System.nanoTime();
            GradientStep.Result r = step.compute(window, tile, tile);
            long second = millis(t1);
            int bad = 0;
            double sumAbs = 0;
            for (float g : r.gradient()) {
                if (!Float.isFinite(g)) {
                    bad++;
                } else {
                    sumAbs += Math.abs(g);
                }
            }
            Map<String, Object> facts = facts("tile", tile, "firstMillis", first, "millis", second,
                    "objective", r.objective(), "meanAbsGradient", sumAbs / r.gradient().length);
            if (dev.isGpu()) {
                try {
                    MemoryUsage mem = CudaUtils.getGpuMemory(dev);
                    facts.put("gpuUsedMiB", mem.getUsed() / (1024 * 1024));
                } catch (RuntimeException | UnsatisfiedLinkError e) {
                    facts.put("gpuUsedMiB", null);
                }
            }
            String timing = String.format(Locale.ROOT, "%d×%d forward+backward on %s: %d ms (first call %d ms)",
                    tile, tile, name(dev), second, first);
            if (bad > 0 || !Double.isFinite(r.objective())) {
                return new Check("tile", Status.FAIL, timing + "; the gradient has " + bad
                        + " non-finite values (objective " + r.objective() + "): the model or device is broken", facts);
            }
            if (sumAbs == 0) {
                return new Check("tile", Status.FAIL, timing + "; the gradient is all zeros: the layers "
                        + names(layers) + " do not depend on the input", facts);
            }
            return new Check("tile", Status.OK, timing, facts);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return new Check("tile", Status.FAIL, "forward+backward of a " + tile + "×" + tile + " tile failed on "
                    + name(dev) + ": " + message(e), facts("tile", tile));
        }
    }

    /**
     * Whether the engine would keep a whole octave on the device or stream tiles from memory-mapped planes. The engine
     * does not expose that choice in this build (issue 16 item 6 wires it once the engine's method is merged).
     */
    /** A 100-megapixel panorama (12,000 × 8,333), the size this product is for, as the reference the path is told for. */
    static final int REFERENCE_WIDTH = 12_000;
    static final int REFERENCE_HEIGHT = 8_333;

    /**
     * Which path (device-resident or streamed) the engine would take, octave by octave, for a 100-megapixel image with
     * the default parameters and this tile on this device: the resident path keeps a GPU busy, the streamed one
     * copies every window through the JVM. Informational: both paths give the same image.
     */
    private Check residencyCheck(Device dev) {
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().tile(tile).build());
        List<DevicePlan> plans = DevicePlan.forImage(REFERENCE_WIDTH, REFERENCE_HEIGHT, p, dev);
        long resident = plans.stream().filter(d -> d.path() == DevicePlan.Path.RESIDENT).count();
        DevicePlan largest = plans.get(plans.size() - 1);
        String summary = String.format(Locale.ROOT, "a 100 MP image (%d×%d) would run %d of %d octaves device-resident"
                        + " (budget %s); the full-size octave: %s", REFERENCE_WIDTH, REFERENCE_HEIGHT, resident,
                plans.size(), ByteSize.format(largest.budgetBytes()), largest.path().name().toLowerCase(Locale.ROOT)
                        + " — " + largest.reason());
        return new Check("path", Status.INFO, summary, facts("referenceWidth", REFERENCE_WIDTH,
                "referenceHeight", REFERENCE_HEIGHT, "residentOctaves", resident, "octaves", plans.size(),
                "budgetBytes", largest.budgetBytes(), "fullSizePath", largest.path().name(),
                "octavePaths", plans.stream().map(d -> "octave " + d.octave() + " (" + d.width() + "×" + d.height() + "): "
                        + d.path() + " — " + d.reason()).toList()));
    }

    /** DJL writes CUDA 12.8 as "128": people read "12.8". */
    private static String safeCudaVersion() {
        try {
            String v = CudaUtils.getCudaVersionString();
            return v != null && v.matches("\\d{2,3}") ? v.substring(0, v.length() - 1) + "." + v.charAt(v.length() - 1) : v;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static String name(Device d) {
        return d.isGpu() ? "gpu:" + d.getDeviceId() : "cpu";
    }

    private static String names(List<LayerWeight> layers) {
        return String.join("+", layers.stream().map(LayerWeight::name).toList());
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().lines().findFirst().orElse(m);
    }

    private static Map<String, Object> facts(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
