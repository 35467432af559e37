package io.dreamscape.service;

import io.dreamscape.imaging.ImageEncoder;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The live preview of a multi-shard job as one picture of the whole frame, composed on request
 * ({@code GET jobs/{jobId}/live.jpg}, served by the status Lambda and by local mode): each shard's newest live preview
 * (the worker's ≤ 1024 px picture of its whole halo rectangle, {@link StorageLayout#livePreviewKey}) is scaled onto
 * that rectangle's place in a ≤ {@value #SIDE} px frame and clipped to the shard's core, so the cores tile the frame
 * exactly as assembly will (without the feathered seams). Shards that have not published yet are grey.
 *
 * <p>Why on request rather than by the workers: shards do not know of each other, and a composite written by each
 * worker would race; the status API reads at most one small JPEG per shard and the plan, only when the page asks.
 */
public final class LiveMosaic {
    public static final int SIDE = 1024;
    /** A route below {@code /jobs/}. */
    public static final Pattern ROUTE = Pattern.compile("(?:.*)/jobs/([^/]+)/live\\.jpg$");
    static final int GREY = 0x808080;

    /** What a request resolves to: the JPEG, or a 404 sentence. */
    public sealed interface Answer permits Picture, Missing {
    }

    public record Picture(byte[] jpeg) implements Answer {
    }

    public record Missing(String message) implements Answer {
    }

    private final ProgressStore progress;
    private final ObjectStore objects;

    public LiveMosaic(ProgressStore progress, ObjectStore objects) {
        this.progress = progress;
        this.objects = objects;
    }

    /**
     * The URL the status document gives while a multi-shard job dreams, relative to the API's root; the query changes
     * with every progress report, so the page's {@code <img>} reloads when there may be something new.
     */
    public static String url(Job j) {
        long v = j.updatedAt() == null ? 0 : j.updatedAt().toEpochMilli();
        return "jobs/" + j.jobId() + "/live.jpg?v=" + v;
    }

    public Answer resolve(String jobId) throws IOException {
        if (!JobId.isValid(jobId)) {
            return new Missing("no such job");
        }
        Optional<Job> job = progress.get(JobId.of(jobId));
        if (job.isEmpty()) {
            return new Missing("no such job");
        }
        Job j = job.get();
        if (j.state() != JobState.DREAMING) {
            return new Missing("the job is " + j.state() + "; a live preview exists only while it is DREAMING");
        }
        Plan plan = Plan.fromJson(objects.getBytes(StorageLayout.planKey(j.jobId())));
        return new Picture(jpeg(compose(j, plan)));
    }

    BufferedImage compose(Job j, Plan plan) {
        double s = Math.min(1.0, SIDE / (double) Math.max(plan.width(), plan.height()));
        int mw = Math.max(1, (int) Math.round(plan.width() * s));
        int mh = Math.max(1, (int) Math.round(plan.height() * s));
        BufferedImage out = new BufferedImage(mw, mh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(new Color(GREY));
            g.fillRect(0, 0, mw, mh);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            // A split dream's base (its low octaves of the whole frame) is the background until the shards show theirs.
            BufferedImage base = plan.hasBase() ? newest(j, plan.baseIndex()) : null;
            if (base != null) g.drawImage(base, 0, 0, mw, mh, null);
            for (Shard shard : plan.shards()) {
                BufferedImage preview = newest(j, shard.index());
                if (preview == null) continue;
                Rect halo = shard.withHalo();
                Rect core = shard.core();
                // Edges rounded from full-image coordinates: neighbouring cores share an edge, so they meet exactly.
                int cx0 = (int) Math.round(core.x() * s);
                int cy0 = (int) Math.round(core.y() * s);
                int cx1 = (int) Math.round((core.x() + core.width()) * s);
                int cy1 = (int) Math.round((core.y() + core.height()) * s);
                if (cx1 <= cx0 || cy1 <= cy0) continue;
                g.setClip(cx0, cy0, cx1 - cx0, cy1 - cy0);
                double hx = halo.x() * s;
                double hy = halo.y() * s;
                double hw = halo.width() * s;
                double hh = halo.height() * s;
                g.drawImage(preview, (int) Math.round(hx), (int) Math.round(hy),
                        Math.max(1, (int) Math.round(hx + hw) - (int) Math.round(hx)),
                        Math.max(1, (int) Math.round(hy + hh) - (int) Math.round(hy)), null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The shard's newest picture: its reported octave's, or the previous octave's (the worker puts octave k's picture
     * before it reports octave k's end, and an interim one during the octave), or null. A picture that cannot be read
     * is left out: the preview is a nicety.
     */
    private BufferedImage newest(Job j, int shard) {
        Integer octave = j.shardOctave().get(shard);
        if (octave == null) return null;
        for (int k = octave; k >= Math.max(0, octave - 1); k--) {
            String key = StorageLayout.livePreviewKey(j.jobId(), shard, k);
            try {
                if (objects.head(key).isEmpty()) continue;
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(objects.getBytes(key)));
                if (img != null) return img;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    static byte[] jpeg(BufferedImage img) throws IOException {
        return ImageEncoder.jpegBytes(img, 0.8f);
    }
}
