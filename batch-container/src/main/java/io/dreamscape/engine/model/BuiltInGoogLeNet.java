package io.dreamscape.engine.model;

import ai.djl.Device;
import io.dreamscape.engine.googlenet.GoogLeNetNetwork;
import io.dreamscape.engine.weights.DownloadListener;
import io.dreamscape.engine.weights.GoogLeNetWeights;
import java.io.IOException;
import java.nio.file.Path;

/** The built-in GoogLeNet: weights from --weights, the cache, or torchvision's official download (hash-checked). */
final class BuiltInGoogLeNet {
    private BuiltInGoogLeNet() {
    }

    static DreamNetwork open(Path weights, Device device, DownloadListener listener) throws IOException {
        Path file = GoogLeNetWeights.resolve(weights, GoogLeNetWeights.defaultCacheDir(), listener);
        return GoogLeNetNetwork.load(file, device);
    }
}
