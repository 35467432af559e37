package io.dreamscape.job;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The looks artists ask for by name, usable as {@code --preset NAME} or an upload prefix {@code uploads/NAME/}. */
public final class Presets {

    public static final List<Preset> ALL = List.of(
            new Preset("impressionist", "low layers: brush-stroke textures and swirls, the scene stays readable", 0.0,
                    layers("inception3b")),
            new Preset("classic", "inception4c, the original DeepDream look: eyes, dog faces, pagodas", 0.66,
                    layers("inception4c")),
            new Preset("animalist", "high layers: whole animals and objects emerge", 1.0,
                    layers("inception4e")));

    private static final Map<String, Preset> BY_NAME =
            ALL.stream().collect(Collectors.toMap(Preset::name, Function.identity()));

    private Presets() {
    }

    public static boolean exists(String name) {
        return BY_NAME.containsKey(name);
    }

    public static Preset byName(String name) {
        Preset p = BY_NAME.get(name);
        if (p == null) {
            throw new ParameterException("unknown preset '" + name + "'; known presets: " + String.join(", ", BY_NAME.keySet().stream().sorted().toList()));
        }
        return p;
    }

    private static ParameterOverrides layers(String... names) {
        return new ParameterOverrides(null, java.util.Arrays.stream(names).map(LayerWeight::parse).toList(),
                null, null, null, null, null, null, null, null, null, null, null);
    }
}
