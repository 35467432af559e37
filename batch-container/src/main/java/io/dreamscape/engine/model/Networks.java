package io.dreamscape.engine.model;

import ai.djl.Device;
import io.dreamscape.engine.weights.DownloadListener;
import java.io.IOException;
import java.nio.file.Path;

/** Opens the network a {@code model} parameter names: {@code googlenet} (built in) or a TorchScript file path. */
public final class Networks {
    public static final String GOOGLENET = "googlenet";

    private Networks() {
    }

    public static DreamNetwork open(String model, Path weights, Device device) throws IOException {
        return open(model, weights, device, DownloadListener.NONE);
    }

    /** As {@link #open(String, Path, Device)}, reporting a first-use download of the GoogLeNet weights. */
    public static DreamNetwork open(String model, Path weights, Device device, DownloadListener download) throws IOException {
        if (GOOGLENET.equalsIgnoreCase(model)) {
            return BuiltInGoogLeNet.open(weights, device, download);
        }
        return TorchScriptNetwork.load(Path.of(model), device);
    }
}
