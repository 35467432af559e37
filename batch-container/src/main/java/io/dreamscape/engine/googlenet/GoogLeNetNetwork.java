package io.dreamscape.engine.googlenet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.weights.PthFormatException;
import io.dreamscape.engine.weights.PthReader;
import io.dreamscape.engine.weights.TorchDType;
import io.dreamscape.engine.weights.TorchTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in GoogLeNet (Inception v1), torchvision's {@code googlenet} architecture, for dreaming without Python.
 *
 * <p><b>Usage.</b> Resolve the weights file, then load:
 * {@code Path w = GoogLeNetWeights.resolve(weightsFlagOrNull, GoogLeNetWeights.defaultCacheDir(), listener);}
 * {@code try (DreamNetwork net = GoogLeNetNetwork.load(w, device)) { NDList a = net.activations(x, List.of("inception4c")); }}
 * — {@code x} is float32 N×3×H×W RGB in [0,1] (H, W ≥ {@link #minimumInputSize(String)} of the deepest layer),
 * and the activations are differentiable with respect to {@code x} (call it inside a {@code GradientCollector}
 * with {@code x.setRequiresGradient(true)}). The weights are torchvision's {@code googlenet-1378be20.pth}
 * ({@code IMAGENET1K_V1}, ported from the original Inception v1) or any state dict with the same keys and shapes.
 * Layers, shallow to deep: {@link #LAYERS}; the classic DeepDream layer is {@code inception4c}.
 *
 * <p><b>What it computes.</b> Exactly torchvision's eval-mode forward with {@code transform_input=True} (as its
 * ImageNet weights are used): BasicConv2d = conv (no bias) + BatchNorm (eps 0.001, running statistics) + ReLU;
 * Inception blocks with four branches (the "5×5" branch is 3×3, as in torchvision); ceil-mode max pools. For RGB input
 * in [0,1], ImageNet normalisation followed by {@code transform_input} is exactly {@code 2x − 1}, which is what is
 * applied. BatchNorm is folded into the convolutions at load time (identical in eval mode), and the three 1×1
 * convolutions of each Inception block that read the same input run as one convolution. Only the stages up to the
 * deepest requested layer run.
 *
 * <p><b>Gradients.</b> The parameters are plain arrays that never require gradients, so nothing accumulates on them
 * however many steps run; every intermediate array is attached to the input's manager (scope each step in a
 * sub-manager). Thread-safe for concurrent {@link #activations} calls: the parameters are only read.
 */
public final class GoogLeNetNetwork implements DreamNetwork {

    /** Dreamable layers (torchvision module names), shallow to deep: the job model's list, checked at upload. */
    public static final List<String> LAYERS = io.dreamscape.job.GoogLeNetLayers.NAMES;

    /** The classic DeepDream layer, the default for GoogLeNet. */
    public static final String DEFAULT_LAYER = "inception4c";

    private static final double BN_EPS = 0.001;
    private static final Shape ONE = new Shape(1, 1);
    private static final Shape TWO = new Shape(2, 2);
    private static final Shape THREE = new Shape(3, 3);
    private static final Shape ZERO = new Shape(0, 0);

    private final NDManager manager;
    /**
     * The 2 of {@code x·2 − 1}, kept as long as the network: {@code mul(2f)} would make it a tensor over a direct
     * buffer that DJL closes at once while autograd keeps it for the backward (see Objective's weights).
     */
    private final NDArray two;
    private final List<Stage> stages;
    private final String name;

    /** One layer of the forward chain. */
    @FunctionalInterface
    private interface Stage {
        NDArray apply(NDArray x);
    }

    /** A convolution with BatchNorm folded in, followed by ReLU. */
    private record Conv(NDArray weight, NDArray bias, Shape stride, Shape padding) implements Stage {
        @Override
        public NDArray apply(NDArray x) {
            return Activation.relu(Conv2d.conv2d(x, weight, bias, stride, padding, ONE).singletonOrThrow());
        }
    }

    private record MaxPool(Shape kernel, Shape stride, Shape padding) implements Stage {
        @Override
        public NDArray apply(NDArray x) {
            return Pool.maxPool2d(x, kernel, stride, padding, true);
        }
    }

    /** An Inception block; {@code reduce} is branch1, branch2[0] and branch3[0] as one 1×1 convolution. */
    private record Inception(Conv reduce, long[] splits, Conv branch2, Conv branch3, MaxPool pool, Conv poolProj)
            implements Stage {
        @Override
        public NDArray apply(NDArray x) {
            NDList r = reduce.apply(x).split(splits, 1);
            NDArray b1 = r.get(0);
            NDArray b2 = branch2.apply(r.get(1));
            NDArray b3 = branch3.apply(r.get(2));
            NDArray b4 = poolProj.apply(pool.apply(x));
            return NDArrays.concat(new NDList(b1, b2, b3, b4), 1);
        }
    }

    /**
     * Loads the weights in {@code weightsFile} (a torch.save state dict, zip or legacy format) onto {@code device}.
     *
     * @throws PthFormatException if the file is unreadable or is not GoogLeNet weights (missing, unexpected or
     *     mis-shaped tensors are all listed)
     */
    public static GoogLeNetNetwork load(Path weightsFile, Device device) throws IOException {
        io.dreamscape.engine.TorchRuntime.engine(); // thread and log settings before libtorch runs anything
        Map<String, TorchTensor> sd = PthReader.readStateDict(weightsFile);
        try {
            return new GoogLeNetNetwork(sd, device, "googlenet (" + weightsFile.getFileName() + ")");
        } catch (IllegalArgumentException e) {
            throw new PthFormatException(weightsFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the network from an in-memory state dict (torchvision's key names).
     *
     * @throws IllegalArgumentException listing every missing, unexpected, mis-shaped or non-float tensor
     */
    public GoogLeNetNetwork(Map<String, TorchTensor> stateDict, Device device, String name) {
        validate(stateDict);
        this.name = name;
        io.dreamscape.engine.TorchRuntime.engine(); // thread, log and oneDNN settings before libtorch runs anything
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.two = manager.create(2f);
            this.stages = List.copyOf(build(stateDict));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public List<String> layers() {
        return LAYERS;
    }

    /** Channel counts of {@link #LAYERS}, from torchvision's architecture (no weights needed). */
    public static final Map<String, Integer> CHANNELS = channelCounts();

    private static Map<String, Integer> channelCounts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        int c = 0;
        for (String l : LAYERS) {
            switch (l) {
                case "conv1", "conv2" -> c = 64;
                case "conv3" -> c = 192;
                default -> {
                    if (l.startsWith("inception")) c = GoogLeNetArchitecture.inception(l).out();
                    // a max-pool keeps the channels of the layer before it
                }
            }
            m.put(l, c);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public Map<String, Integer> channels() {
        return CHANNELS;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The activations of {@code layers} (in that order, repeats allowed) for {@code input}, float32 N×3×H×W RGB in
     * [0,1]; computes no deeper than the deepest requested layer.
     *
     * @throws IllegalArgumentException for an unknown layer, a wrong input shape, or an input too small for the layer
     */
    @Override
    public NDList activations(NDArray input, List<String> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("no layers requested; GoogLeNet's layers are: " + String.join(", ", LAYERS));
        }
        DreamNetwork.requireKnown(this, Set.copyOf(layers));
        Shape s = input.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("GoogLeNet needs input N×3×H×W (RGB in [0,1]), got " + s);
        }
        if (input.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("GoogLeNet needs float32 input, got " + input.getDataType());
        }
        int deepest = layers.stream().mapToInt(LAYERS::indexOf).max().orElseThrow();
        String deepestName = LAYERS.get(deepest);
        int min = minimumInputSize(deepestName);
        if (s.get(2) < min || s.get(3) < min) {
            throw new IllegalArgumentException("input " + s.get(3) + "×" + s.get(2) + " is too small for GoogLeNet's "
                    + deepestName + ": at least " + min + "×" + min + " pixels are needed");
        }
        Map<String, NDArray> out = new HashMap<>();
        // transform_input on ImageNet-normalised RGB in [0,1] is exactly (x - 0.5) / 0.5
        NDArray x = input.mul(two).sub(1f);
        for (int i = 0; i <= deepest; i++) {
            x = stages.get(i).apply(x);
            out.put(LAYERS.get(i), x);
        }
        NDList result = new NDList(layers.size());
        for (String l : layers) {
            result.add(out.get(l));
        }
        return result;
    }

    /** The smallest input side (pixels) for which {@code layer} can be computed (each pooling needs its kernel). */
    public static int minimumInputSize(String layer) {
        int idx = LAYERS.indexOf(layer);
        if (idx < 0) {
            throw new IllegalArgumentException("unknown layer '" + layer + "'; GoogLeNet's layers are: " + String.join(", ", LAYERS));
        }
        for (int side = 1; ; side++) {
            if (outputSize(side, idx) > 0) {
                return side;
            }
        }
    }

    /** Spatial size after stage {@code idx} for an input side {@code h}, or -1 if a pooling window does not fit. */
    static int outputSize(int h, int idx) {
        for (int i = 0; i <= idx && h > 0; i++) {
            h = switch (LAYERS.get(i)) {
                case "conv1" -> (h + 2 * 3 - 7) / 2 + 1;
                case "maxpool1", "maxpool2", "maxpool3" -> ceilPool(h, 3, 2);
                case "maxpool4" -> ceilPool(h, 2, 2);
                default -> h; // 1×1 and padded 3×3 convolutions, stride-1 padded pools keep the size
            };
        }
        return h;
    }

    /** PyTorch's ceil-mode pooling output size (no padding), or -1 where it would be empty. */
    private static int ceilPool(int h, int k, int s) {
        int out = Math.floorDiv(h - (k - 1) - 1 + (s - 1), s) + 1;
        if ((out - 1) * s >= h) {
            out--; // the last window must start inside the input
        }
        return out >= 1 ? out : -1;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** All parameter arrays (folded weights and biases), for tests. */
    List<NDArray> parameterArrays() {
        List<NDArray> out = new ArrayList<>();
        for (Stage s : stages) {
            if (s instanceof Conv c) {
                out.add(c.weight());
                out.add(c.bias());
            } else if (s instanceof Inception i) {
                for (Conv c : List.of(i.reduce(), i.branch2(), i.branch3(), i.poolProj())) {
                    out.add(c.weight());
                    out.add(c.bias());
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- building

    private List<Stage> build(Map<String, TorchTensor> sd) {
        List<Stage> st = new ArrayList<>();
        for (String layer : LAYERS) {
            st.add(switch (layer) {
                case "conv1" -> conv(sd, List.of("conv1"), 2, 3);
                case "conv2" -> conv(sd, List.of("conv2"), 1, 0);
                case "conv3" -> conv(sd, List.of("conv3"), 1, 1);
                case "maxpool1", "maxpool2", "maxpool3" -> new MaxPool(THREE, TWO, ZERO);
                case "maxpool4" -> new MaxPool(TWO, TWO, ZERO);
                default -> inception(sd, GoogLeNetArchitecture.inception(layer));
            });
        }
        return st;
    }

    private Inception inception(Map<String, TorchTensor> sd, GoogLeNetArchitecture.InceptionSpec s) {
        String n = s.name();
        Conv reduce = conv(sd, List.of(n + ".branch1", n + ".branch2.0", n + ".branch3.0"), 1, 0);
        return new Inception(reduce, new long[] {s.ch1(), s.ch1() + s.ch3red()},
                conv(sd, List.of(n + ".branch2.1"), 1, 1),
                conv(sd, List.of(n + ".branch3.1"), 1, 1),
                new MaxPool(THREE, ONE, ONE),
                conv(sd, List.of(n + ".branch4.1"), 1, 0));
    }

    /** BasicConv2d modules with the same input and kernel, BatchNorm folded in, stacked along output channels. */
    private Conv conv(Map<String, TorchTensor> sd, List<String> prefixes, int stride, int pad) {
        List<float[]> ws = new ArrayList<>();
        List<float[]> bs = new ArrayList<>();
        long outTotal = 0;
        long[] shape = null;
        for (String p : prefixes) {
            TorchTensor w = sd.get(p + ".conv.weight");
            shape = w.shape();
            float[] weight = w.toFloatArray();
            double[] gamma = sd.get(p + ".bn.weight").toDoubleArray();
            double[] beta = sd.get(p + ".bn.bias").toDoubleArray();
            double[] mean = sd.get(p + ".bn.running_mean").toDoubleArray();
            double[] var = sd.get(p + ".bn.running_var").toDoubleArray();
            int out = (int) shape[0];
            int per = weight.length / out;
            float[] bias = new float[out];
            for (int o = 0; o < out; o++) {
                double scale = gamma[o] / Math.sqrt(var[o] + BN_EPS);
                for (int j = o * per; j < (o + 1) * per; j++) {
                    weight[j] = (float) (weight[j] * scale);
                }
                bias[o] = (float) (beta[o] - mean[o] * scale);
            }
            ws.add(weight);
            bs.add(bias);
            outTotal += out;
        }
        float[] w = concat(ws);
        float[] b = concat(bs);
        NDArray weight = manager.create(w, new Shape(outTotal, shape[1], shape[2], shape[3]));
        NDArray bias = manager.create(b, new Shape(outTotal));
        return new Conv(weight, bias, new Shape(stride, stride), new Shape(pad, pad));
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    // ---------------------------------------------------------------- validation

    private static void validate(Map<String, TorchTensor> sd) {
        LinkedHashMap<String, long[]> expected = GoogLeNetArchitecture.stateDictShapes();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TorchTensor t = sd.get(e.getKey());
            if (t == null) {
                if (!GoogLeNetArchitecture.optional(e.getKey())) {
                    missing.add(e.getKey());
                }
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                wrong.add(e.getKey() + " is " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            } else if (!e.getKey().endsWith("num_batches_tracked") && !isFloat(t.dtype())) {
                wrong.add(e.getKey() + " is " + t.dtype() + ", expected a floating-point tensor");
            }
        }
        for (String k : sd.keySet()) {
            if (!expected.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && wrong.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("not torchvision GoogLeNet weights:");
        append(sb, "missing", missing);
        append(sb, "unexpected", unexpected);
        append(sb, "wrong shape or type", wrong);
        throw new IllegalArgumentException(sb.toString());
    }

    private static boolean isFloat(TorchDType t) {
        return t == TorchDType.FLOAT32 || t == TorchDType.FLOAT64 || t == TorchDType.FLOAT16 || t == TorchDType.BFLOAT16;
    }

    private static void append(StringBuilder sb, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append(' ').append(items.size()).append(' ').append(what).append(" (");
        sb.append(String.join("; ", items.subList(0, Math.min(8, items.size()))));
        if (items.size() > 8) {
            sb.append("; … ").append(items.size() - 8).append(" more");
        }
        sb.append(");");
    }
}
