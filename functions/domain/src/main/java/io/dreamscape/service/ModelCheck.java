package io.dreamscape.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Before a job is planned (and long before a GPU starts): a custom model named by the parameters must be in the
 * bucket's {@code models/} folder, and the layers asked for must be outputs of it. The layer names of a custom model
 * are known from its sidecar {@code models/NAME.json} ({@code outputs[].name}); a model without a sidecar returns a
 * dict whose keys only running it tells, so its layer names are checked by the worker instead. GoogLeNet's layers
 * are checked by {@link UploadParameters}.
 */
final class ModelCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCheck() {
    }

    static void check(ObjectStore objects, DreamParameters p) throws IOException, Rejection {
        if (p.model().equals(DreamParameters.DEFAULT_MODEL)) {
            return;
        }
        String modelKey = StorageLayout.modelKey(p.model());
        if (objects.head(modelKey).isEmpty()) {
            throw new Rejection("model '" + p.model() + "' is not in the bucket: put the TorchScript file at " + modelKey
                    + " (and its sidecar, if any) before uploading images that name it, or leave \"model\" out for googlenet");
        }
        String sidecarKey = modelKey.substring(0, modelKey.length() - ".pt".length()) + ".json";
        Optional<ObjectStore.ObjectInfo> sidecar = objects.head(sidecarKey);
        if (sidecar.isEmpty()) {
            return;
        }
        byte[] sidecarBytes = objects.getBytes(sidecarKey);
        Set<String> names = outputNames(sidecarBytes, sidecarKey);
        try {
            // As the worker will choose: explicit layers must exist (and their channels, where the sidecar counts
            // them); a preset's maps to the same relative depth.
            LayerSelection.resolve(p, List.copyOf(names), channelCounts(sidecarBytes));
        } catch (ParameterException e) {
            throw new Rejection(e.getMessage().replace("this model's layers are", "the layers of " + p.model() + " ("
                    + sidecarKey + ") are"));
        }
    }

    /** {@code outputs[].channels} by name, where the sidecar gives them. */
    private static java.util.Map<String, Integer> channelCounts(byte[] sidecar) throws IOException {
        java.util.Map<String, Integer> m = new java.util.HashMap<>();
        for (JsonNode o : JSON.readTree(sidecar).path("outputs")) {
            if (o.path("name").isTextual() && o.path("channels").canConvertToInt() && o.path("channels").asInt() > 0) {
                m.put(o.get("name").asText(), o.get("channels").asInt());
            }
        }
        return m;
    }

    private static Set<String> outputNames(byte[] sidecar, String key) throws Rejection {
        List<JsonNode> named = new ArrayList<>();
        try {
            JsonNode outputs = JSON.readTree(sidecar).path("outputs");
            for (JsonNode o : outputs) {
                if (o.path("name").isTextual()) named.add(o);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Rejection(key + " (the model's sidecar) is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Rejection(key + " (the model's sidecar) cannot be read: " + e.getMessage());
        }
        // shallow to deep, in the order of the outputs' indexes, as the worker lists them
        named.sort(java.util.Comparator.comparingInt(o -> o.path("index").asInt(Integer.MAX_VALUE)));
        List<String> names = named.stream().map(o -> o.get("name").asText()).toList();
        if (names.isEmpty()) {
            throw new Rejection(key + " (the model's sidecar) names no outputs: it needs outputs[] with index and name");
        }
        return new LinkedHashSet<>(names);
    }
}
