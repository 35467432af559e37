package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobState;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Rect;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.worker.WorkerRuns.Run;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upload's {@code "mask": "NAME"} (masks/NAME in the bucket) through sharded workers. */
class MaskedShardsTest {
    @TempDir
    Path dir;

    static DreamParameters withMask(DreamParameters p, String mask) {
        return p.with(ParameterOverrides.builder().mask(mask).build());
    }

    /** A greyscale PNG, left half black, right half white. */
    static byte[] halfMask(int w, int h) throws Exception {
        BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = w / 2; x < w; x++) m.getRaster().setSample(x, y, 0, 255);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(m, "png", out);
        return out.toByteArray();
    }

    @Test
    void eachShardKeepsItsPartUnderBlackExactlyAndDreamsUnderWhite() throws Exception {
        DreamParameters p = withMask(PlannedJob.params(2, 3), "half.png");
        PlannedJob job = PlannedJob.create(240, 80, 2, p);
        // half the image's size: resized to 240×80, image columns 0-118 are exactly black, 121 on exactly white
        job.objects.put(StorageLayout.maskKey("half.png"), halfMask(120, 40), "image/png");
        byte[] input = PlannedJob.png(240, 80);
        BufferedImage in = ImageIO.read(new java.io.ByteArrayInputStream(input));
        long blackChecked = 0;
        long whiteChecked = 0;
        // A split dream: the base dreams the low octaves of the whole image under the mask shrunk to its size first.
        assertTrue(job.plan.hasBase(), "two shards of a two-octave dream have a base");
        Run base = WorkerRuns.inProcess(job.env(job.plan.baseIndex()), dir.resolve("base"), "--device", "cpu");
        assertEquals(0, base.exit(), base.log());
        for (int i = 0; i < 2; i++) {
            Run run = WorkerRuns.inProcess(job.env(i), dir.resolve("s" + i), "--device", "cpu");
            assertEquals(0, run.exit(), run.log());
            Rect halo = job.plan.shard(i).withHalo();
            int[] result = job.result(i);
            double white = 0;
            int whitePixels = 0;
            for (int y = 0; y < halo.height(); y++) {
                for (int x = 0; x < halo.width(); x++) {
                    int ix = halo.x() + x;
                    int rgb = in.getRGB(ix, halo.y() + y);
                    for (int c = 0; c < 3; c++) {
                        int expected = ((rgb >> (16 - 8 * c)) & 255) * 257; // 8-bit v → 16-bit, exactly
                        int got = result[(y * halo.width() + x) * 3 + c];
                        if (ix <= 118) {
                            assertEquals(expected, got, "shard " + i + ": black keeps the input at image x " + ix);
                            if (c == 0) blackChecked++;
                        } else if (ix >= 121) {
                            white += Math.abs(expected - got) / 65535.0;
                            if (c == 0) whitePixels++;
                        }
                    }
                }
            }
            if (whitePixels > 0) {
                whiteChecked += whitePixels;
                assertTrue(white / (3.0 * whitePixels) > 2.0 / 255, "shard " + i + " dreams under white: mean change "
                        + white / (3.0 * whitePixels) * 255 + "/255");
            }
        }
        assertTrue(blackChecked > 100 * 80 && whiteChecked > 100 * 80, blackChecked + " black, " + whiteChecked + " white");
    }

    @Test
    void aMaskGoneSinceValidationFailsTheJobWithASentence() throws Exception {
        DreamParameters p = withMask(PlannedJob.params(1, 1), "gone.png");
        PlannedJob job = PlannedJob.create(96, 64, 1, p);
        Run run = WorkerRuns.inProcess(job.env(0), dir.resolve("g"), "--device", "cpu");
        assertNotEquals(0, run.exit(), run.log());
        assertEquals(JobState.FAILED, job.job().state());
        assertTrue(job.job().error().contains("the mask s3://" + job.objects.bucket() + "/masks/gone.png no longer exists"),
                job.job().error());
    }
}
