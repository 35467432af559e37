package io.dreamscape.engine.googlenet;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * torchvision's {@code googlenet} layout: module names, channel counts and the state-dict keys and shapes that
 * {@code googlenet-1378be20.pth} holds (in torchvision's order), so that a weights file can be checked tensor by tensor.
 */
final class GoogLeNetArchitecture {

    /** An Inception block: {@code Inception(in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)}. */
    record InceptionSpec(String name, int in, int ch1, int ch3red, int ch3, int ch5red, int ch5, int pool) {
        int out() {
            return ch1 + ch3 + ch5 + pool;
        }
    }

    static final List<InceptionSpec> INCEPTIONS = List.of(
            new InceptionSpec("inception3a", 192, 64, 96, 128, 16, 32, 32),
            new InceptionSpec("inception3b", 256, 128, 128, 192, 32, 96, 64),
            new InceptionSpec("inception4a", 480, 192, 96, 208, 16, 48, 64),
            new InceptionSpec("inception4b", 512, 160, 112, 224, 24, 64, 64),
            new InceptionSpec("inception4c", 512, 128, 128, 256, 24, 64, 64),
            new InceptionSpec("inception4d", 512, 112, 144, 288, 32, 64, 64),
            new InceptionSpec("inception4e", 528, 256, 160, 320, 32, 128, 128),
            new InceptionSpec("inception5a", 832, 256, 160, 320, 32, 128, 128),
            new InceptionSpec("inception5b", 832, 384, 192, 384, 48, 128, 128));

    private GoogLeNetArchitecture() {
    }

    static InceptionSpec inception(String name) {
        return INCEPTIONS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** Every state-dict key of torchvision's googlenet (with aux classifiers), in order, with its shape. */
    static LinkedHashMap<String, long[]> stateDictShapes() {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        basicConv(m, "conv1", 3, 64, 7);
        basicConv(m, "conv2", 64, 64, 1);
        basicConv(m, "conv3", 64, 192, 3);
        for (InceptionSpec s : INCEPTIONS) {
            basicConv(m, s.name() + ".branch1", s.in(), s.ch1(), 1);
            basicConv(m, s.name() + ".branch2.0", s.in(), s.ch3red(), 1);
            basicConv(m, s.name() + ".branch2.1", s.ch3red(), s.ch3(), 3);
            basicConv(m, s.name() + ".branch3.0", s.in(), s.ch5red(), 1);
            basicConv(m, s.name() + ".branch3.1", s.ch5red(), s.ch5(), 3); // torchvision's known 3x3-for-5x5
            basicConv(m, s.name() + ".branch4.1", s.in(), s.pool(), 1);
        }
        aux(m, "aux1", 512);
        aux(m, "aux2", 528);
        m.put("fc.weight", new long[] {1000, 1024});
        m.put("fc.bias", new long[] {1000});
        return m;
    }

    /**
     * Keys that are allowed to be absent: the classifier heads (not used for dreaming) and BatchNorm's
     * {@code num_batches_tracked} (absent in files written by old PyTorch versions).
     */
    static boolean optional(String key) {
        return key.startsWith("aux1.") || key.startsWith("aux2.") || key.startsWith("fc.")
                || key.endsWith(".num_batches_tracked");
    }

    private static void basicConv(LinkedHashMap<String, long[]> m, String prefix, int in, int out, int k) {
        m.put(prefix + ".conv.weight", new long[] {out, in, k, k});
        for (String p : List.of("weight", "bias", "running_mean", "running_var")) {
            m.put(prefix + ".bn." + p, new long[] {out});
        }
        m.put(prefix + ".bn.num_batches_tracked", new long[] {});
    }

    private static void aux(LinkedHashMap<String, long[]> m, String prefix, int in) {
        basicConv(m, prefix + ".conv", in, 128, 1);
        m.put(prefix + ".fc1.weight", new long[] {1024, 2048});
        m.put(prefix + ".fc1.bias", new long[] {1024});
        m.put(prefix + ".fc2.weight", new long[] {1000, 1024});
        m.put(prefix + ".fc2.bias", new long[] {1000});
    }
}
