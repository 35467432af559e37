package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.Networks;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the network a job names: built in, a file on this machine (CLI, local mode, tests), or a TorchScript model
 * kept in the bucket under models/ (what an upload's {@code "model": "name.pt"} refers to), fetched with its sidecar
 * JSON. A model that cannot be opened fails the job: a retry would find the same file.
 */
final class ModelLoader {
    private final ObjectStore objects;
    private final Path weights;
    private final String prefix;

    /** {@code weights}: GoogLeNet's weights file, or null for the cache; {@code prefix} starts failure sentences. */
    ModelLoader(ObjectStore objects, Path weights, String prefix) {
        this.objects = objects;
        this.weights = weights;
        this.prefix = prefix;
    }

    /** The model on {@code device} (once per GPU when one image runs on several); a fetched model goes to {@code dir}. */
    DreamNetwork open(String model, Path dir, Device device) throws WorkerException {
        try {
            return Networks.open(localModel(model, dir), weights, device);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.permanent(prefix + "cannot open the model " + model + ": " + message(e), e);
        }
    }

    private String localModel(String model, Path dir) throws IOException, WorkerException {
        if (Networks.GOOGLENET.equalsIgnoreCase(model) || Files.exists(Path.of(model))) {
            return model;
        }
        String key = StorageLayout.modelKey(model);
        Path models = Files.createDirectories(dir.resolve("models"));
        Path file = BucketFile.fetch(objects, key, models.resolve(Path.of(model).getFileName().toString()),
                prefix + "model '" + model + "' is neither built in nor in s3://" + objects.bucket() + "/" + key
                        + "; upload it there (with its sidecar .json if it returns a tuple)");
        String sidecar = model.substring(0, model.length() - ".pt".length()) + ".json";
        BucketFile.fetchIfPresent(objects, StorageLayout.modelKey(sidecar),
                models.resolve(Path.of(sidecar).getFileName().toString()));
        return file.toString();
    }
}
