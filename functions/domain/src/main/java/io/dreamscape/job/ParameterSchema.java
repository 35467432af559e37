package io.dreamscape.job;

import java.util.List;

/**
 * The parameter schema as data, for forms: each tunable parameter's JSON name, kind, bounds and meaning. The bounds
 * are those {@link DreamParameters#validated()} enforces (a test holds the two together); the defaults are
 * {@link DreamParameters#defaults()} (or a deployment's own, which the page receives separately).
 *
 * @param minExclusive the lower bound itself is not allowed (octaveScale above 1, stepSize above 0)
 */
public record ParameterSchema(String name, String kind, Double min, Double max, boolean minExclusive, Double step,
                              String description, List<String> choices) {

    public ParameterSchema {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public ParameterSchema(String name, String kind, Double min, Double max, boolean minExclusive, Double step,
                           String description) {
        this(name, kind, min, max, minExclusive, step, description, List.of());
    }

    /** A parameter whose value is one word out of {@code choices} (the first is the default). */
    static ParameterSchema choice(String name, String description, List<String> choices) {
        return new ParameterSchema(name, "choice", null, null, false, null, description, choices);
    }

    public static final List<ParameterSchema> FIELDS = List.of(
            new ParameterSchema("layers", "layers", null, 16.0, false, null,
                    "layers of the objective, optionally weighted (name:weight); empty = the preset's or the network's default"),
            new ParameterSchema("octaves", "integer", 1.0, 12.0, false, 1.0, "number of scales"),
            new ParameterSchema("octaveScale", "number", 1.0, 4.0, true, 0.05, "size ratio between octaves"),
            new ParameterSchema("steps", "integer", 1.0, 500.0, false, 1.0, "gradient steps per octave"),
            new ParameterSchema("stepSize", "number", 0.0, 50.0, true, 0.1,
                    "step in 0-255 units, normalised by the mean absolute gradient"),
            new ParameterSchema("jitter", "integer", 0.0, 256.0, false, 1.0, "random shift per step, pixels"),
            new ParameterSchema("tile", "integer", (double) DreamParameters.MIN_TILE, 4096.0, false, 1.0, "tile size, pixels"),
            new ParameterSchema("seed", "seed", 0.0, null, false, 1.0, "the same seed gives the same image"),
            new ParameterSchema("wrap", "wrap", null, null, false, null,
                    "edges that meet: x = left/right (360° panoramas, top/bottom mirrored), xy = all (seamless textures), none"),
            new ParameterSchema("keepColors", "boolean", null, null, false, null,
                    "keep the input's colours: the dream changes luminance only"),
            choice("normalize", "how a step's gradient is scaled: mean = one normaliser for the whole image (google/deepdream),"
                    + " laplacian = each frequency band normalised over the whole image (finer, more even detail)",
                    List.of("mean", "laplacian")),
            new ParameterSchema("mask", "text", null, null, false, null,
                    "where to dream: the name of a greyscale image in the bucket's masks/ folder (sky.png = masks/sky.png) "
                    + "with the image's aspect ratio; white = full strength, black = untouched"),
            new ParameterSchema("quality", "integer", 1.0, 100.0, false, 1.0, "JPEG quality of the result"));
}
