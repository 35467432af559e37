package io.dreamscape.engine.googlenet;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;

/**
 * Not a test: times forward+backward of the built-in GoogLeNet (synthetic weights, same cost as the real ones) up to a
 * layer, for tiles of the given sizes. Run: {@code java -cp <test classpath> io.dreamscape.engine.googlenet.GoogLeNetTiming
 * [layer] [sizes...]}, e.g. {@code inception4c 224 512}.
 */
public final class GoogLeNetTiming {
    private GoogLeNetTiming() {
    }

    public static void main(String[] args) {
        String layer = args.length > 0 ? args[0] : "inception4c";
        int[] sizes = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {224, 512};
        System.out.println("threads: interop " + Engine.getInstance().getEngineName()
                + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", cores " + Runtime.getRuntime().availableProcessors());
        try (GoogLeNetNetwork net = new GoogLeNetNetwork(SyntheticGoogLeNetWeights.stateDict(), Device.cpu(), "synthetic");
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int size : sizes) {
                float[] data = SyntheticGoogLeNetWeights.input(3 * size * size);
                int warm = 2;
                int runs = 5;
                long best = Long.MAX_VALUE;
                long total = 0;
                for (int i = 0; i < warm + runs; i++) {
                    long t0 = System.nanoTime();
                    try (NDManager m = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray x = m.create(data, new Shape(1, 3, size, size));
                        x.setRequiresGradient(true);
                        NDArray a = net.activations(x, List.of(layer)).get(0);
                        gc.backward(a.square().mean());
                        x.getGradient().toFloatArray();
                    }
                    long dt = System.nanoTime() - t0;
                    if (i >= warm) {
                        best = Math.min(best, dt);
                        total += dt;
                    }
                }
                System.out.printf("%s %dx%d forward+backward: best %.3f s, mean %.3f s%n", layer, size, size, best / 1e9, total / 1e9 / runs);
            }
        }
    }
}
