package io.dreamscape.job;

/**
 * The one order in which parameters are laid over each other, for the cloud (Validate), local mode and
 * {@code dreamscape dream}. Later layers win field by field; a layer that leaves a field absent keeps the one below:
 * <ol>
 *   <li>the built-in defaults ({@link DreamParameters#defaults()});</li>
 *   <li>{@code site}: the site's own defaults (local mode's {@code --params}, {@code --model}, {@code --device-memory});
 *       none in the cloud or for {@code dreamscape dream}. Under a preset folder their {@code layers} are dropped, so
 *       the preset's layers apply;</li>
 *   <li>{@code presetFolder}: the preset named by the upload's folder ({@code uploads/{preset}/name.jpg});</li>
 *   <li>{@code own}: what the run itself asks for: an upload's {@code x-amz-meta-dreamscape}, or
 *       {@code dreamscape dream --params FILE.json};</li>
 *   <li>{@code flags}: {@code dreamscape dream}'s command-line flags.</li>
 * </ol>
 * A named preset (in any layer that wins the {@code preset} field) is expanded first and the laid-over fields go on
 * top of it ({@link DreamParameters#with}), so explicit {@code layers} beat the preset's. Parsing each layer, and the
 * sentence that names where a bad one came from, stays with its source; this class only orders them.
 */
public record ParameterLayers(ParameterOverrides site, String presetFolder, ParameterOverrides own,
                              ParameterOverrides flags) {
    public static final ParameterLayers NONE = new ParameterLayers(null, null, null, null);

    public ParameterLayers {
        site = site == null ? ParameterOverrides.NONE : site;
        own = own == null ? ParameterOverrides.NONE : own;
        flags = flags == null ? ParameterOverrides.NONE : flags;
    }

    public ParameterLayers withSite(ParameterOverrides layer) {
        return new ParameterLayers(layer, presetFolder, own, flags);
    }

    public ParameterLayers withPresetFolder(String preset) {
        return new ParameterLayers(site, preset, own, flags);
    }

    public ParameterLayers withOwn(ParameterOverrides layer) {
        return new ParameterLayers(site, presetFolder, layer, flags);
    }

    public ParameterLayers withFlags(ParameterOverrides layer) {
        return new ParameterLayers(site, presetFolder, own, layer);
    }

    /** The layers as one set of overrides, in the documented order. */
    public ParameterOverrides merged() {
        ParameterOverrides siteLayer = presetFolder == null ? site : site.withoutLayers();
        ParameterOverrides folder = presetFolder == null ? ParameterOverrides.NONE
                : ParameterOverrides.builder().preset(presetFolder).build();
        return siteLayer.then(folder).then(own).then(flags);
    }

    /** The defaults with every layer laid over them, bounds-checked ({@link ParameterException} says what is wrong). */
    public DreamParameters resolve() {
        return DreamParameters.defaults().with(merged()).validated();
    }
}
