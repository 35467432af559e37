package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.*;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.ValidateService;
import io.dreamscape.stitch.PngRowWriter;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A camera JPEG stored sideways (EXIF orientation 6): sizes are oriented, the output keeps EXIF but stands upright. */
class ExifAndOrientationTest {
    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();

    /** TIFF-structured EXIF: IFD0 with Make = "DreamCam" and Orientation = 6 (rotate 90° clockwise to view). */
    static byte[] exif() {
        byte[] make = "DreamCam\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4 + make.length);
        b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        b.putShort((short) 2);
        b.putShort((short) 0x010F).putShort((short) 2).putInt(make.length).putInt(8 + 2 + 24 + 4);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0);
        b.putInt(0);
        b.put(make);
        return b.array();
    }

    @Test
    void outputsAreUprightAndKeepTheCameraExif(@TempDir Path dir) throws Exception {
        byte[] jpeg = withApp1(Fixtures.encode(Fixtures.picture(300, 200), "jpg"), exif());
        Clock clock = Clock.systemUTC();
        JsonLog log = JsonLog.of("test");

        ValidateService.Result v = new ValidateService(objects, progress, Limits.DEFAULT, clock).validate(
                toRequest(Fixtures.upload(objects.bucket(), "uploads/sideways.jpg", jpeg, null)), log);
        assertFalse(v.rejected(), v.reason());
        Job job = progress.get(v.jobId()).orElseThrow();
        assertEquals(200, job.width(), "oriented width");
        assertEquals(300, job.height(), "oriented height");

        new PlanService(objects, progress, new Planner(PlannerConfig.DEFAULT), clock).plan(v.jobId(), log);
        Plan plan = Plan.fromJson(objects.getBytes(StorageLayout.planKey(v.jobId())));
        assertEquals(1, plan.shardCount());
        Rect halo = plan.shard(0).withHalo();
        assertEquals(new Rect(0, 0, 200, 300), halo);
        objects.put(plan.shard(0).resultKey(v.jobId()), flat(halo, 40_000), "image/png");

        new AssembleService(objects, progress, dir.resolve("scratch")).assemble(v.jobId(), log);
        byte[] out = objects.getBytes(StorageLayout.outputs("uploads/sideways.jpg", v.jobId()).image());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(out));
        assertEquals(200, img.getWidth());
        assertEquals(300, img.getHeight());
        Metadata md = ImageMetadataReader.readMetadata(new ByteArrayInputStream(out));
        ExifIFD0Directory ifd0 = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
        assertNotNull(ifd0, "EXIF copied");
        assertEquals("DreamCam", ifd0.getString(ExifIFD0Directory.TAG_MAKE));
        assertEquals(1, ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION), "pixels are upright: orientation reset");
        assertTrue(Files.notExists(dir.resolve("scratch")) || isEmpty(dir.resolve("scratch")), "scratch cleaned");
    }

    /** The JPEG with an EXIF APP1 segment right after SOI, as cameras write it. */
    static byte[] withApp1(byte[] jpeg, byte[] tiff) {
        byte[] header = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int len = 2 + header.length + tiff.length;
        ByteBuffer b = ByteBuffer.allocate(jpeg.length + 2 + len);
        b.put(jpeg, 0, 2).putShort((short) 0xFFE1).putShort((short) len).put(header).put(tiff);
        b.put(jpeg, 2, jpeg.length - 2);
        return b.array();
    }

    private static boolean isEmpty(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    private static byte[] flat(Rect r, int v) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PngRowWriter w = new PngRowWriter(bytes, r.width(), r.height())) {
            int[] row = new int[3 * r.width()];
            Arrays.fill(row, v);
            for (int y = 0; y < r.height(); y++) w.writeRow(row);
        }
        return bytes.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static ValidateService.Request toRequest(java.util.Map<String, Object> event) {
        var s = Payloads.source(event);
        return new ValidateService.Request(s.bucket(), s.key(), s.size(), s.etag(), s.versionId(), null);
    }
}
