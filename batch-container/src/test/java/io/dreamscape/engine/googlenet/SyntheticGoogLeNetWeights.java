package io.dreamscape.engine.googlenet;

import io.dreamscape.engine.weights.TorchTensor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deterministic synthetic GoogLeNet weights, bit-identical to {@code synthetic()} in
 * src/test/python/make_googlenet_fixtures.py (see there for the formula). Keep the two in step.
 */
final class SyntheticGoogLeNetWeights {
    private SyntheticGoogLeNetWeights() {
    }

    static Map<String, TorchTensor> stateDict() {
        Map<String, TorchTensor> sd = new LinkedHashMap<>();
        GoogLeNetArchitecture.stateDictShapes().forEach((k, shape) -> sd.put(k, tensor(k, shape)));
        return sd;
    }

    static TorchTensor tensor(String name, long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        if (name.endsWith("num_batches_tracked")) {
            return TorchTensor.ofLongs(shape, new long[n]);
        }
        float[] v = new float[n];
        int seed = fnv1a32(name);
        for (int i = 0; i < n; i++) {
            double u = uniform(seed, i);
            double x;
            if (name.endsWith("bn.weight")) {
                x = 1.0 + 0.25 * u;
            } else if (name.endsWith("bn.bias") || name.endsWith("bn.running_mean")) {
                x = 0.2 * u;
            } else if (name.endsWith("bn.running_var")) {
                x = 1.0 + 0.5 * u;
            } else if (name.endsWith("conv.weight")) {
                long fanIn = shape[1] * shape[2] * shape[3];
                x = u * Math.sqrt(24.0 / fanIn);
            } else if (name.startsWith("fc.") || name.startsWith("aux")) {
                x = 0.02 * u;
            } else {
                throw new IllegalArgumentException("no synthetic rule for " + name);
            }
            v[i] = (float) x;
        }
        return TorchTensor.ofFloats(shape, v);
    }

    /** The test input: RGB in [0, 1), N×C×H×W row-major. */
    static float[] input(int n) {
        int seed = fnv1a32("input");
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (uniform(seed, i) + 0.5);
        }
        return v;
    }

    static int fnv1a32(String text) {
        int h = 0x811C9DC5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }

    /** u in [-0.5, 0.5): murmur3's fmix32 of (seed ^ i * 0x9E3779B1). */
    static double uniform(int seed, int i) {
        int h = seed ^ (i * 0x9E3779B1);
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return (h & 0xffffffffL) / 4294967296.0 - 0.5;
    }
}
