package io.dreamscape.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/** Events from the committed JSON fixtures, and small images generated in memory. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    public static Map<String, Object> json(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            return JSON.readValue(in, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The EventBridge "Object Created" fixture for an object, with the key URL-encoded as S3 delivers it. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> objectCreated(String bucket, String key, long size, String etag) {
        Map<String, Object> e = json("/events/object-created.json");
        Map<String, Object> detail = (Map<String, Object>) e.get("detail");
        ((Map<String, Object>) detail.get("bucket")).put("name", bucket);
        Map<String, Object> object = (Map<String, Object>) detail.get("object");
        object.put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"));
        object.put("size", size);
        object.put("etag", etag);
        return e;
    }

    /** Uploads bytes with optional x-amz-meta-dreamscape and returns the matching event. */
    public static Map<String, Object> upload(String bucket, String key, byte[] bytes, String paramsJson) {
        PutObjectResponse r = Loopback.get().s3.putObject(b -> {
            b.bucket(bucket).key(key);
            if (paramsJson != null) b.metadata(Map.of("dreamscape", paramsJson));
        }, RequestBody.fromBytes(bytes));
        return objectCreated(bucket, key, bytes.length, r.eTag().replace("\"", ""));
    }

    /** A smooth colourful test picture. */
    public static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = 255 * x / Math.max(1, w - 1);
                int g = 255 * y / Math.max(1, h - 1);
                int b = (int) (127 + 100 * Math.sin((x + y) / 15.0));
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    public static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no writer for " + format);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG that is only a header claiming {@code w×h} pixels (a decompression-bomb shape). */
    public static byte[] pngHeaderOnly(int w, int h) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(out);
            d.write(HexFormat.of().parseHex("89504e470d0a1a0a"));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            DataOutputStream b = new DataOutputStream(body);
            b.writeBytes("IHDR");
            b.writeInt(w);
            b.writeInt(h);
            b.write(new byte[] {8, 2, 0, 0, 0});
            d.writeInt(13);
            d.write(body.toByteArray());
            CRC32 crc = new CRC32();
            crc.update(body.toByteArray());
            d.writeInt((int) crc.getValue());
            // an empty IDAT and IEND so it looks complete
            d.writeInt(0);
            d.writeBytes("IDAT");
            crc = new CRC32();
            crc.update("IDAT".getBytes(StandardCharsets.US_ASCII));
            d.writeInt((int) crc.getValue());
            d.writeInt(0);
            d.writeBytes("IEND");
            crc = new CRC32();
            crc.update("IEND".getBytes(StandardCharsets.US_ASCII));
            d.writeInt((int) crc.getValue());
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code jpeg} with an EXIF APP1 segment inserted after its JFIF APP0: a little-endian TIFF whose IFD0 holds only
     * the orientation tag, set to {@code orientation} (1 to 8).
     */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteBuffer seg = ByteBuffer.allocate(2 + 2 + 6 + 26).order(ByteOrder.BIG_ENDIAN);
        seg.putShort((short) 0xFFE1).putShort((short) (2 + 6 + 26)).put("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0)
                .putInt(0);
        seg.put(tiff.array());
        byte[] app1 = seg.array();
        int app0End = 4 + ((jpeg[4] & 0xff) << 8 | (jpeg[5] & 0xff));
        byte[] out = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, out, 0, app0End);
        System.arraycopy(app1, 0, out, app0End, app1.length);
        System.arraycopy(jpeg, app0End, out, app0End + app1.length, jpeg.length - app0End);
        return out;
    }
}
