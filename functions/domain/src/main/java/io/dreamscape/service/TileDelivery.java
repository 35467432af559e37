package io.dreamscape.service;

import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * How a deep-zoom tile reaches the browser: the one place where the cloud and local mode answer a status route
 * differently on purpose. The cloud keeps its bucket private and answers with a short redirect to a presigned URL (an
 * {@code <img>} follows it, and the Lambda never carries tile bytes); local mode streams the tile from its own store.
 */
@FunctionalInterface
public interface TileDelivery {
    StatusApi.Response deliver(DeepZoomService.Tile tile) throws IOException;

    /** The cloud: 302 to a presigned URL, which the browser may reuse while it is still valid. */
    static TileDelivery redirect(DeepZoomService deepZoom) {
        return tile -> new StatusApi.Response(302, "text/plain", new byte[0], Map.of(
                "location", deepZoom.presign(tile).toString(),
                "cache-control", "private, max-age=" + (DeepZoomService.TILE_URL_TTL.toSeconds() - 60)));
    }

    /** Local mode: the tile's bytes (a JPEG of at most a few hundred pixels a side), or 404 when it is not there. */
    static TileDelivery bytes(ObjectStore objects) {
        return tile -> {
            Optional<ObjectStore.ObjectInfo> head = objects.head(tile.key());
            if (head.isEmpty()) {
                return StatusApi.Response.error(404, "no such tile");
            }
            try (InputStream in = objects.open(tile.key())) {
                return new StatusApi.Response(200, "image/jpeg", in.readAllBytes(),
                        Map.of("cache-control", "private, max-age=3600"));
            }
        };
    }
}
