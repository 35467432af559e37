package io.dreamscape.e2e.stepfunctions;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import javax.imageio.ImageIO;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** Uploads and the EventBridge "Object Created" events S3 sends for them; small generated pictures. */
final class Uploads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Uploads() {
    }

    /** Puts the object and returns the event EventBridge delivers to the state machine for it. */
    static JsonNode put(S3Client s3, String bucket, String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        return eventFor(s3, bucket, key);
    }

    /** The event for an object already in the bucket. */
    static JsonNode eventFor(S3Client s3, String bucket, String key) {
        HeadObjectResponse put = s3.headObject(b -> b.bucket(bucket).key(key));
        long size = put.contentLength();
        ObjectNode event = JSON.createObjectNode()
                .put("version", "0")
                .put("id", UUID.randomUUID().toString())
                .put("detail-type", "Object Created")
                .put("source", "aws.s3")
                .put("account", "123456789012")
                .put("time", Instant.now().toString())
                .put("region", "us-east-1");
        event.putArray("resources").add("arn:aws:s3:::" + bucket);
        ObjectNode detail = event.putObject("detail").put("version", "0");
        detail.putObject("bucket").put("name", bucket);
        detail.putObject("object")
                .put("key", key)
                .put("size", size)
                .put("etag", put.eTag().replace("\"", ""))
                .put("sequencer", "0062E99A88DC407460");
        detail.put("request-id", "N4N7GDK58NMKJ12R").put("requester", "123456789012").put("reason", "PutObject");
        return event;
    }

    static byte[] jpeg(int w, int h) throws IOException {
        return encode(picture(w, h), "jpg");
    }

    static byte[] png(int w, int h) throws IOException {
        return encode(picture(w, h), "png");
    }

    private static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x + y) * 7 & 0xff));
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }
}
