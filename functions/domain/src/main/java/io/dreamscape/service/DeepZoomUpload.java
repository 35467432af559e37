package io.dreamscape.service;

import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Puts a locally written DZI pyramid into the bucket beside the output: the tiles first, in parallel (a 250 MP result
 * has about 5,000 of them and one PUT costs a round trip), then the descriptor, so a descriptor in the bucket always
 * means a complete pyramid. Re-running after a failure simply overwrites.
 */
final class DeepZoomUpload {
    static final int PARALLEL = 16;

    private DeepZoomUpload() {
    }

    /** @return the number of tiles put */
    static int put(ObjectStore objects, Path descriptor, Path filesDir, String outputKey) throws IOException {
        String prefix = StorageLayout.deepZoomTilesPrefix(outputKey);
        List<Path> tiles;
        try (Stream<Path> walk = Files.walk(filesDir)) {
            tiles = walk.filter(Files::isRegularFile).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "dzi-upload");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (Path tile : tiles) {
                String key = prefix + filesDir.relativize(tile).toString().replace('\\', '/');
                String type = key.endsWith(".png") ? "image/png" : "image/jpeg";
                puts.add(pool.submit(() -> {
                    objects.putFile(key, tile, type);
                    return null;
                }));
            }
            for (Future<?> f : puts) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    throw e.getCause() instanceof IOException io ? io : new IOException("tile upload failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while uploading tiles", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        objects.putFile(StorageLayout.deepZoomKey(outputKey), descriptor, "application/xml");
        return tiles.size();
    }
}
