package io.dreamscape.engine.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;

/** Opens the network a {@code model} parameter names: {@code googlenet} (built in) or a TorchScript file path. */
public final class Networks {
    public static final String GOOGLENET = "googlenet";

    private Networks() {
    }

    public static DreamNetwork open(String model, Path weights, Device device) throws IOException {
        if (GOOGLENET.equalsIgnoreCase(model)) {
            return BuiltInGoogLeNet.open(weights, device);
        }
        return TorchScriptNetwork.load(Path.of(model), device);
    }
}
