package io.dreamscape.service;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Presets;
import io.dreamscape.job.StorageLayout;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An upload's parameters: defaults, then the preset named by the key's folder ({@code uploads/{preset}/name.jpg}),
 * then the JSON in the object's user metadata {@code x-amz-meta-dreamscape} (set atomically with the upload, so there
 * is no race with a separate parameters file). Everything is bounds-checked.
 */
public final class UploadParameters {
    public static final String METADATA_NAME = "dreamscape";
    /** GoogLeNet's dream layers (the engine's names). */
    public static final List<String> GOOGLENET_LAYERS = List.of("conv1", "conv2", "conv3", "inception3a", "inception3b",
            "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "inception5a", "inception5b",
            "maxpool1", "maxpool2", "maxpool3", "maxpool4");
    /** Channel counts of GoogLeNet's dream layers (torchvision's architecture; the engine's agree, see its tests). */
    public static final Map<String, Integer> GOOGLENET_CHANNELS = Map.ofEntries(Map.entry("conv1", 64),
            Map.entry("maxpool1", 64), Map.entry("conv2", 64), Map.entry("conv3", 192), Map.entry("maxpool2", 192),
            Map.entry("inception3a", 256), Map.entry("inception3b", 480), Map.entry("maxpool3", 480),
            Map.entry("inception4a", 512), Map.entry("inception4b", 512), Map.entry("inception4c", 512),
            Map.entry("inception4d", 528), Map.entry("inception4e", 832), Map.entry("maxpool4", 832),
            Map.entry("inception5a", 832), Map.entry("inception5b", 1024));
    private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "tif", "tiff");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\\.pt");
    private static final Pattern LAYER = Pattern.compile("[A-Za-z0-9_./-]{1,100}");
    /** A mask's name under masks/: folders allowed, no '..', an image extension. */
    private static final Pattern MASK = Pattern.compile("(?i)(?!.*\\.\\.)(?!/)[A-Za-z0-9_./-]{1,200}\\.(png|jpe?g|tiff?)");

    private UploadParameters() {
    }

    /** The preset named by the key's folder, or null for {@code uploads/name.ext}. */
    public static String presetOf(String key) throws Rejection {
        if (!key.startsWith(StorageLayout.UPLOADS)) {
            throw new Rejection("'" + key + "' is not under uploads/: only uploads/name.jpg or uploads/{preset}/name.jpg start a job");
        }
        String rest = key.substring(StorageLayout.UPLOADS.length());
        String[] parts = rest.split("/", -1);
        String file = parts[parts.length - 1];
        if (file.isEmpty()) {
            throw new Rejection("'" + key + "' is a folder, not a file");
        }
        int dot = file.lastIndexOf('.');
        String ext = dot < 0 ? "" : file.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!EXTENSIONS.contains(ext)) {
            throw new Rejection("'" + file + "' does not end in .jpg, .jpeg, .png, .tif or .tiff (the supported formats are JPEG, PNG and TIFF)");
        }
        if (parts.length == 1) {
            return null;
        }
        if (parts.length > 2) {
            throw new Rejection("'" + key + "' is nested too deep: use uploads/name.jpg or uploads/{preset}/name.jpg");
        }
        if (!Presets.exists(parts[0])) {
            throw new Rejection("unknown preset folder '" + parts[0] + "' in " + key + "; known presets: "
                    + String.join(", ", Presets.ALL.stream().map(p -> p.name()).sorted().toList()));
        }
        return parts[0];
    }

    /** Resolved and validated parameters, or the reason they are refused. */
    public static DreamParameters resolve(String preset, String metadataJson) throws Rejection {
        ParameterOverrides folder = preset == null ? ParameterOverrides.NONE
                : new ParameterOverrides(null, null, preset, null, null, null, null, null, null, null, null, null, null);
        ParameterOverrides meta;
        try {
            meta = ParameterJson.parse(metadataJson);
        } catch (ParameterException e) {
            throw new Rejection("x-amz-meta-dreamscape: " + e.getMessage());
        }
        DreamParameters p;
        try {
            p = DreamParameters.defaults().with(folder.then(meta)).validated();
        } catch (ParameterException e) {
            throw new Rejection(e.getMessage());
        }
        if (!p.model().equals(DreamParameters.DEFAULT_MODEL) && !MODEL.matcher(p.model()).matches()) {
            throw new Rejection("model '" + p.model() + "' is not allowed: use 'googlenet' or the file name of a TorchScript model in the bucket's models/ folder (letters, digits, '_', '-', '.', ending in .pt)");
        }
        if (p.mask() != null && !MASK.matcher(p.mask()).matches()) {
            throw new Rejection("mask '" + p.mask() + "' is not allowed: name an image in the bucket's masks/ folder, e.g. "
                    + "\"mask\": \"sky.png\" for masks/sky.png (letters, digits, '_', '-', '.', '/', no '..', ending in "
                    + ".png, .jpg, .jpeg, .tif or .tiff)");
        }
        for (LayerWeight l : p.layers()) {
            if (p.model().equals(DreamParameters.DEFAULT_MODEL) && !GOOGLENET_LAYERS.contains(l.name())) {
                throw new Rejection("unknown layer '" + l.name() + "'; googlenet's layers are: " + String.join(", ", GOOGLENET_LAYERS));
            }
            if (!LAYER.matcher(l.name()).matches()) {
                throw new Rejection("layer name '" + l.name() + "' has characters outside letters, digits, '_', '.', '/', '-'");
            }
        }
        if (p.model().equals(DreamParameters.DEFAULT_MODEL)) {
            try {
                LayerSelection.checkChannels(p.layers(), GOOGLENET_CHANNELS);
            } catch (ParameterException e) {
                throw new Rejection(e.getMessage());
            }
        }
        return p;
    }
}
