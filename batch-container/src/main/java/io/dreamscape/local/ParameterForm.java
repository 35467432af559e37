package io.dreamscape.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.ParameterSchema;
import io.dreamscape.job.Presets;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.service.Rejection;
import io.dreamscape.service.UploadParameters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the page's parameter form needs from the server: the schema's fields with their bounds
 * ({@link ParameterSchema}), this server's defaults (the schema's, under {@code --model}/{@code --params}), the presets,
 * and the default model's layers — GoogLeNet's list, or a TorchScript model's sidecar names; a model whose layers are
 * only known once loaded gets a free-text field instead (the worker names the available ones if a layer is wrong).
 * {@link #check} resolves parameters exactly as an upload's, so the form shows the server's own sentences.
 */
final class ParameterForm {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final LocalObjectStore objects;

    ParameterForm(LocalObjectStore objects) {
        this.objects = objects;
    }

    Map<String, Object> describe() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fields", ParameterSchema.FIELDS);
        DreamParameters defaults;
        try {
            defaults = UploadParameters.resolve(objects.siteDefaults(), null, null);
        } catch (Rejection e) {
            defaults = DreamParameters.defaults();
        }
        m.put("defaults", defaults);
        m.put("presets", Presets.ALL.stream().map(p -> Map.of("name", p.name(), "description", p.description())).toList());
        m.put("model", defaults.model());
        m.put("layers", layers(defaults.model()));
        return m;
    }

    /** The model's layer names, or null when they are known only once it is loaded. */
    private List<String> layers(String model) throws IOException {
        if (model.equals(DreamParameters.DEFAULT_MODEL)) {
            return UploadParameters.GOOGLENET_LAYERS;
        }
        String sidecar = StorageLayout.modelKey(model.replaceFirst("\\.pt$", ".json"));
        if (!model.endsWith(".pt") || objects.head(sidecar).isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode o : JSON.readTree(objects.getBytes(sidecar)).path("outputs")) {
            if (o.path("name").isTextual()) names.add(o.get("name").asText());
        }
        return names.isEmpty() ? null : names;
    }

    /** {@code {"preset": "classic"?, "parameters": {...}}} → the resolved parameters, or the sentence why not. */
    DreamParameters check(byte[] body) throws Rejection {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw new Rejection("the request is not JSON");
        }
        if (!(n instanceof ObjectNode o)) {
            throw new Rejection("the request must be a JSON object with preset and parameters");
        }
        JsonNode preset = o.get("preset");
        String folder = preset != null && preset.isTextual() && !preset.asText().isBlank() ? preset.asText() + "/" : "";
        String key = StorageLayout.UPLOADS + folder + "form.jpg";
        JsonNode params = o.get("parameters");
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new Rejection("parameters must be a JSON object such as {\"steps\": 20}");
        }
        String own = params == null || params.isNull() ? null : params.toString();
        return UploadParameters.resolve(objects.siteDefaults(), UploadParameters.presetOf(key), own);
    }
}
