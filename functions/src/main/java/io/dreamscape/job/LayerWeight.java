package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One term of the dream objective: a named layer and its weight. Written as {@code name} or {@code name:weight},
 * the same text on the command line ({@code --layer inception4c:0.5}) and in JSON ({@code "layers": ["inception4c:0.5"]}).
 */
public record LayerWeight(String name, double weight) {

    public LayerWeight {
        if (name == null || name.isBlank()) {
            throw new ParameterException("a layer name is empty");
        }
        if (!(weight > 0) || !Double.isFinite(weight) || weight > 1000) {
            throw new ParameterException("layer '" + name + "' has weight " + weight + "; weights must be > 0 and <= 1000");
        }
    }

    @JsonCreator
    public static LayerWeight parse(String text) {
        String t = text == null ? "" : text.trim();
        // Layer names may themselves contain ':'-free slashes (expanded_conv_3/expand); the weight is after the last ':'.
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            return new LayerWeight(t, 1.0);
        }
        String name = t.substring(0, colon);
        String w = t.substring(colon + 1);
        try {
            return new LayerWeight(name, Double.parseDouble(w));
        } catch (NumberFormatException e) {
            throw new ParameterException("layer '" + t + "': weight '" + w + "' is not a number (write name or name:weight)");
        }
    }

    @JsonValue
    @Override
    public String toString() {
        return weight == 1.0 ? name : name + ":" + weight;
    }
}
