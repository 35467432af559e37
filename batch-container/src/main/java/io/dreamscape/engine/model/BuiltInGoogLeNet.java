package io.dreamscape.engine.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;

/** Bridge to the built-in GoogLeNet (weights resolved from --weights, the cache, or a download). */
final class BuiltInGoogLeNet {
    private BuiltInGoogLeNet() {
    }

    static DreamNetwork open(Path weights, Device device) throws IOException {
        throw new IOException("the built-in GoogLeNet is not available in this build yet; pass --model PATH.pt "
                + "with a TorchScript dream model (e.g. ../shared/models/mobilenet_v2_1.0_224_quant_dream.pt)");
    }
}
