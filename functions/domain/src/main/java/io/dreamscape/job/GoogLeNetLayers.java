package io.dreamscape.job;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in model's dreamable layers, shallow to deep (torchvision's module names), and their channel counts: the
 * one list that the validator checks uploads against and the engine's GoogLeNet computes. The engine derives its
 * channel counts from the architecture itself; a test ties them to this table (ChannelObjectiveTest).
 */
public final class GoogLeNetLayers {
    /** Shallow to deep. */
    public static final List<String> NAMES = List.of("conv1", "maxpool1", "conv2", "conv3", "maxpool2",
            "inception3a", "inception3b", "maxpool3", "inception4a", "inception4b", "inception4c", "inception4d",
            "inception4e", "maxpool4", "inception5a", "inception5b");

    /** Channel counts of {@link #NAMES}, in that order (a max-pool keeps the channels of the layer before it). */
    public static final Map<String, Integer> CHANNELS = channels(64, 64, 64, 192, 192, 256, 480, 480, 512, 512, 512,
            528, 832, 832, 832, 1024);

    private GoogLeNetLayers() {
    }

    private static Map<String, Integer> channels(int... counts) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) m.put(NAMES.get(i), counts[i]);
        return Collections.unmodifiableMap(m);
    }
}
