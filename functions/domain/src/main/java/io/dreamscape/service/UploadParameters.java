package io.dreamscape.service;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.GoogLeNetLayers;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.ParameterLayers;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Presets;
import io.dreamscape.job.StorageLayout;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An upload's parameters: defaults, then the site's defaults (local mode only), then the preset named by the key's
 * folder ({@code uploads/{preset}/name.jpg}), then the JSON in the object's user metadata
 * {@code x-amz-meta-dreamscape} (set atomically with the upload, so there is no race with a separate parameters file),
 * in {@link ParameterLayers}' order. Everything is bounds-checked.
 */
public final class UploadParameters {
    public static final String METADATA_NAME = "dreamscape";
    /** GoogLeNet's dream layers ({@link GoogLeNetLayers}) in alphabetical order, as refusals and the page list them. */
    public static final List<String> GOOGLENET_LAYERS = GoogLeNetLayers.NAMES.stream().sorted().toList();
    /** Channel counts of GoogLeNet's dream layers ({@link GoogLeNetLayers#CHANNELS}). */
    public static final Map<String, Integer> GOOGLENET_CHANNELS = GoogLeNetLayers.CHANNELS;
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

    /** Resolved and validated parameters, or the reason they are refused (no site defaults: the cloud). */
    public static DreamParameters resolve(String preset, String metadataJson) throws Rejection {
        return resolve(ParameterOverrides.NONE, preset, metadataJson);
    }

    /**
     * Resolved and validated parameters of an upload in {@code preset}'s folder (nullable) with
     * {@code x-amz-meta-dreamscape} {@code metadataJson} (nullable), laid over {@code site} (local mode's defaults;
     * {@link ParameterOverrides#NONE} in the cloud) in {@link ParameterLayers}' order; or the reason they are refused.
     */
    public static DreamParameters resolve(ParameterOverrides site, String preset, String metadataJson) throws Rejection {
        ParameterOverrides meta;
        try {
            meta = ParameterJson.parse(metadataJson);
        } catch (ParameterException e) {
            throw new Rejection("x-amz-meta-dreamscape: " + e.getMessage());
        }
        DreamParameters p;
        try {
            p = new ParameterLayers(site, preset, meta, null).resolve();
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
