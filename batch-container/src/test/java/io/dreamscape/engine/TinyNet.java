package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.job.LayerWeight;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The committed tiny model ({@code tiny_dict.pt}) on the CPU, loaded once for a test class and closed after it, and
 * with layers a gradient step over them: {@code @RegisterExtension static final TinyNet TINY = new TinyNet(LAYERS);}.
 * One place for what the engine tests used to repeat in their own {@code @BeforeAll} and {@code @AfterAll}.
 */
public final class TinyNet implements BeforeAllCallback, AfterAllCallback {
    private final List<LayerWeight> layers;
    private TorchScriptNetwork net;
    private GradientStep gradients;

    /** The network only (tests that build their own gradient steps). */
    public TinyNet() {
        this(null);
    }

    /** The network and one CPU gradient step over {@code layers}. */
    public TinyNet(List<LayerWeight> layers) {
        this.layers = layers;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        net = TestFixtures.tinyDict();
        if (layers != null) gradients = new GradientStep(net, layers, Device.cpu());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (gradients != null) gradients.close();
        net.close();
    }

    public TorchScriptNetwork net() {
        return net;
    }

    public GradientStep gradients() {
        if (gradients == null) throw new IllegalStateException("this TinyNet was made without layers: no gradient step");
        return gradients;
    }
}
