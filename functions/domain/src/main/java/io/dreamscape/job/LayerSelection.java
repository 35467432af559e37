package io.dreamscape.job;

import java.util.List;
import java.util.Map;

/**
 * Chooses the objective's layers for a network, given its dream layers in order from shallow to deep.
 * Explicit layers win (an unknown one is an error); then the preset's layers if the network has them, else the
 * preset's relative depth, also when the preset's layers were laid into the parameters;
 * then the network's default (GoogLeNet's classic {@code inception4c}, otherwise the middle layer).
 */
public final class LayerSelection {
    public static final String CLASSIC_LAYER = "inception4c";

    private LayerSelection() {
    }

    /**
     * Whether the layers are the preset's own (a preset's layers are laid into the parameters when it is applied, see
     * {@link DreamParameters#with}): those are GoogLeNet names, which another network maps by relative depth.
     */
    static boolean fromPreset(DreamParameters p) {
        return p.preset() != null && Presets.exists(p.preset())
                && p.layers().equals(Presets.byName(p.preset()).overrides().layers());
    }

    public static List<LayerWeight> resolve(DreamParameters p, List<String> available) {
        return resolve(p, available, Map.of());
    }

    /**
     * As {@link #resolve(DreamParameters, List)}, knowing each layer's channel count ({@code channels} may lack some or
     * all layers: those are not checked here): the unknown-layer error lists the counts, and a channel index beyond a
     * layer's count is refused with a sentence, before anything runs.
     */
    public static List<LayerWeight> resolve(DreamParameters p, List<String> available, Map<String, Integer> channels) {
        List<LayerWeight> chosen = choose(p, available, channels);
        checkChannels(chosen, channels);
        return chosen;
    }

    /** Every channel named by {@code layers} exists, where {@code channels} knows the layer's count. */
    public static void checkChannels(List<LayerWeight> layers, Map<String, Integer> channels) {
        for (LayerWeight l : layers) {
            Integer count = channels.get(l.name());
            if (count == null) continue;
            for (int c : l.channels()) {
                if (c >= count) {
                    throw new ParameterException("layer '" + l.name() + "' has " + count + " channels (0 to " + (count - 1)
                            + "); channel " + c + " does not exist");
                }
            }
        }
    }

    /** {@code name (C channels), …}: the layers as the unknown-layer error lists them. */
    public static String describe(List<String> available, Map<String, Integer> channels) {
        return String.join(", ", available.stream()
                .map(n -> channels.get(n) == null ? n : n + " (" + channels.get(n) + " channels)").toList());
    }

    private static List<LayerWeight> choose(DreamParameters p, List<String> available, Map<String, Integer> channels) {
        if (available.isEmpty()) {
            throw new ParameterException("the model exposes no layers to dream on");
        }
        if (!p.layers().isEmpty() && !fromPreset(p)) {
            for (LayerWeight l : p.layers()) {
                if (!available.contains(l.name())) {
                    throw new ParameterException("unknown layer '" + l.name() + "'; this model's layers are: " + describe(available, channels));
                }
            }
            return p.layers();
        }
        if (p.preset() != null) {
            Preset preset = Presets.byName(p.preset());
            List<LayerWeight> named = preset.overrides().layers();
            if (named != null && named.stream().allMatch(l -> available.contains(l.name()))) {
                return named;
            }
            int i = (int) Math.round(preset.relativeDepth() * (available.size() - 1));
            return List.of(new LayerWeight(available.get(i), 1.0));
        }
        if (available.contains(CLASSIC_LAYER)) {
            return List.of(new LayerWeight(CLASSIC_LAYER, 1.0));
        }
        return List.of(new LayerWeight(available.get(available.size() / 2), 1.0));
    }
}
