package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * One term of the dream objective: a named layer, optionally some of its channels, and its weight. Written as
 * {@code name}, {@code name:weight}, {@code name#c1,c2} or {@code name#c1,c2:weight}, the same text on the command line
 * ({@code --layer inception4c#12,40:0.5}) and in JSON ({@code "layers": ["inception4c#12,40:0.5"]}). Without channels
 * the objective takes every channel of the layer. Whether a channel exists is checked against the network
 * ({@code channels} here are only known to be non-negative and distinct).
 */
public record LayerWeight(String name, double weight, List<Integer> channels) {

    /** At most this many channels per term: a longer list is better written as the whole layer. */
    public static final int MAX_CHANNELS = 64;

    public LayerWeight {
        if (name == null || name.isBlank()) {
            throw new ParameterException("a layer name is empty");
        }
        if (!(weight > 0) || !Double.isFinite(weight) || weight > 1000) {
            throw new ParameterException("layer '" + name + "' has weight " + weight + "; weights must be > 0 and <= 1000");
        }
        channels = channels == null ? List.of() : List.copyOf(channels);
        if (channels.size() > MAX_CHANNELS) {
            throw new ParameterException("layer '" + name + "' names " + channels.size() + " channels; at most " + MAX_CHANNELS);
        }
        if (channels.stream().distinct().count() != channels.size()) {
            throw new ParameterException("layer '" + name + "' names a channel twice: " + channels);
        }
        for (int c : channels) {
            if (c < 0) throw new ParameterException("layer '" + name + "': channel " + c + " is negative; channels count from 0");
        }
    }

    public LayerWeight(String name, double weight) {
        this(name, weight, List.of());
    }

    @JsonCreator
    public static LayerWeight parse(String text) {
        String t = text == null ? "" : text.trim();
        // Layer names may contain slashes (expanded_conv_3/expand) but no ':' or '#'; the weight is after the last ':'.
        int colon = t.lastIndexOf(':');
        String head = colon < 0 ? t : t.substring(0, colon);
        double weight = 1.0;
        if (colon >= 0) {
            String w = t.substring(colon + 1);
            try {
                weight = Double.parseDouble(w);
            } catch (NumberFormatException e) {
                throw new ParameterException("layer '" + t + "': weight '" + w + "' is not a number (write name, name:weight or name#c1,c2:weight)");
            }
        }
        int hash = head.indexOf('#');
        if (hash < 0) return new LayerWeight(head, weight);
        List<Integer> channels = new ArrayList<>();
        for (String part : head.substring(hash + 1).split(",", -1)) {
            try {
                channels.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new ParameterException("layer '" + t + "': channel '" + part.trim() + "' is not a whole number (write name#c1,c2, e.g. inception4c#12,40)");
            }
        }
        return new LayerWeight(head.substring(0, hash), weight, channels);
    }

    @JsonValue
    @Override
    public String toString() {
        String base = channels.isEmpty() ? name
                : name + "#" + String.join(",", channels.stream().map(String::valueOf).toList());
        return weight == 1.0 ? base : base + ":" + weight;
    }
}
