package io.dreamscape.job;

/**
 * A named look. {@code overrides} hold the GoogLeNet layers and step settings; for a network without those layer
 * names, {@code relativeDepth} (0 = shallowest dream layer, 1 = deepest) picks the equivalent layer.
 */
public record Preset(String name, String description, double relativeDepth, ParameterOverrides overrides) {
}
