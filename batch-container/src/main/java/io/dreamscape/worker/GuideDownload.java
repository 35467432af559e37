package io.dreamscape.worker;

import io.dreamscape.engine.GuideImage;
import io.dreamscape.job.ParameterException;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guide image of a job: the parameters' {@code "guide"} names an image in the job's bucket, under guides/
 * ({@code guides/flowers.jpg} for {@code "flowers.jpg"}). Every shard fetches the same object and scales it the same way ({@link GuideImage}),
 * so all shards pull towards the same features.
 */
final class GuideDownload {
    private GuideDownload() {
    }

    static GuideImage fetch(ObjectStore objects, String key, int maxSide, Path dir, String prefix) throws WorkerException {
        try {
            Path file = BucketFile.fetch(objects, key, dir.resolve("guide" + extension(key)), prefix + "the guide image s3://"
                    + objects.bucket() + "/" + key + " does not exist (\"guide\" names an image in the bucket's guides/"
                    + " folder, e.g. \"flowers.jpg\" for guides/flowers.jpg)");
            try {
                return GuideImage.load(file, maxSide, dir);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (ParameterException e) {
            throw WorkerException.permanent(prefix + e.getMessage().replace("guide" + extension(key), key), e);
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix + "cannot download the guide image " + key + ": " + e.getMessage(), e);
        }
    }

    private static String extension(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot).toLowerCase(java.util.Locale.ROOT);
    }
}
