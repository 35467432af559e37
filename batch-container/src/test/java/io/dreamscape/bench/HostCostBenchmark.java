package io.dreamscape.bench;

import ai.djl.Device;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.ParameterJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Host cost and throughput per megapixel-step (issue 10). Uses only API that existed before engine v2 (commit
 * fdee20d), so the same file compiled against both trees measures before and after side by side.
 *
 * <p>Usage: {@code HostCostBenchmark MODEL.pt WORKDIR LABEL W H TILE STEPS [DEVICE_MEMORY]} — prints one Markdown row:
 * ms per Mpx·step (wall / (pixels × steps)), the share of wall time inside model calls, and the model calls.
 * A device memory budget (after only) selects the resident path ("4G") or the streamed one ("0").
 */
public final class HostCostBenchmark {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        Path work = Files.createDirectories(Path.of(a[1]));
        String label = a[2];
        int w = Integer.parseInt(a[3]);
        int h = Integer.parseInt(a[4]);
        int tile = Integer.parseInt(a[5]);
        int steps = Integer.parseInt(a[6]);
        String budget = a.length > 7 ? ",\"deviceMemory\":\"" + a[7] + "\"" : "";
        DreamParameters p = DreamParameters.defaults().with(ParameterJson.parse("{\"model\":\"" + model
                + "\",\"octaves\":1,\"steps\":" + steps + ",\"jitter\":32,\"tile\":" + tile + ",\"seed\":1" + budget + "}"))
                .validated();
        try (DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             GradientStep g = new GradientStep(net, LayerSelection.resolve(p, net.layers()), Device.cpu());
             FloatPlanes img = EngineBenchmark.noise(w, h, work)) {
            // Warm-up: TorchScript's profiling executor and the allocator, on a small image with the same tile.
            DreamParameters warm = DreamParameters.defaults().with(ParameterJson.parse("{\"model\":\"" + model
                    + "\",\"octaves\":1,\"steps\":3,\"jitter\":32,\"tile\":" + tile + ",\"seed\":2" + budget + "}")).validated();
            try (FloatPlanes small = EngineBenchmark.noise(Math.min(w, 2 * tile), Math.min(h, 2 * tile), work);
                 FloatPlanes out = new DreamEngine(g, warm, work).dream(small, new DreamListener() { })) {
                out.width();
            }
            long model0 = g.computeNanos();
            long calls0 = g.calls();
            long t0 = System.nanoTime();
            try (FloatPlanes out = new DreamEngine(g, p, work).dream(img, new DreamListener() { })) {
                long wall = System.nanoTime() - t0;
                double mpxSteps = (double) w * h * steps / 1e6;
                double inModel = (double) (g.computeNanos() - model0) / wall;
                System.out.printf(Locale.ROOT, "| %s | %d×%d | %d | %d | %.1f | %.3f | %.0f %% | %d |%n", label, w, h, tile, steps,
                        wall / 1e6 / mpxSteps, mpxSteps / (wall / 1e9), 100 * inModel, g.calls() - calls0);
            }
        }
    }
}
