package io.dreamscape.aws;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.ports.ObjectStore;
import io.dreamscape.testing.Loopback;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3ObjectStoreTest {
    private final S3ObjectStore store = Loopback.get().newBucket();

    @Test
    void headsRangesAndMetadata() throws Exception {
        Loopback.get().s3.putObject(b -> b.bucket(store.bucket()).key("uploads/a b.jpg")
                        .metadata(Map.of("dreamscape", "{\"steps\":3}")),
                software.amazon.awssdk.core.sync.RequestBody.fromString("0123456789"));
        ObjectStore.ObjectInfo info = store.head("uploads/a b.jpg").orElseThrow();
        assertEquals(10, info.size());
        assertEquals("{\"steps\":3}", info.metadata().get("dreamscape"));
        assertFalse(info.etag().startsWith("\""));
        assertEquals("234", new String(store.getRange("uploads/a b.jpg", null, 2, 3), StandardCharsets.US_ASCII));
        assertEquals("89", new String(store.getRange("uploads/a b.jpg", null, 8, 100), StandardCharsets.US_ASCII));
        assertTrue(store.head("missing").isEmpty());
    }

    @Test
    void presignedUrlsWorkAndExpireWithinAnHour() throws Exception {
        store.put("outputs/x.dream.jpg", "pixels".getBytes(StandardCharsets.US_ASCII), "image/jpeg");
        URI url = store.presignGet("outputs/x.dream.jpg", Duration.ofMinutes(15));
        assertTrue(url.getQuery().contains("X-Amz-Expires=900"), url.toString());
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("pixels", r.body());
        assertThrows(IllegalArgumentException.class, () -> store.presignGet("k", Duration.ofHours(2)));
        assertThrows(IllegalArgumentException.class, () -> store.presignGet("k", Duration.ZERO));
    }
}
