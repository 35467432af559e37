package io.dreamscape.service;

import io.dreamscape.imaging.DecodedImage;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.ImageException;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Before a job is planned: the guide image an upload names ({@code "guide": "flowers.jpg"}) must be in the bucket's
 * {@code guides/} folder ({@link StorageLayout#guideKey}) and decode as an image, so that a typo fails the job at
 * once with a sentence instead of on a GPU. Guides are small pictures of a look: at most {@link #MAX_BYTES} and
 * {@link #MAX_PIXELS} (the worker scales them to the tile size anyway).
 */
public final class GuideCheck {
    public static final long MAX_BYTES = 64L << 20;
    public static final long MAX_PIXELS = 50_000_000L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\\.(?i:jpe?g|png|tiff?)");

    private GuideCheck() {
    }

    static void check(ObjectStore objects, DreamParameters p) throws IOException, Rejection {
        if (p.guide() == null) return;
        if (!NAME.matcher(p.guide()).matches()) {
            throw new Rejection("guide '" + p.guide() + "' is not allowed: name an image file in the bucket's guides/ "
                    + "folder (letters, digits, '_', '-', '.', ending in .jpg, .png or .tif), e.g. \"guide\": \"flowers.jpg\"");
        }
        String key = StorageLayout.guideKey(p.guide());
        Optional<ObjectStore.ObjectInfo> head = objects.head(key);
        if (head.isEmpty()) {
            throw new Rejection("guide image '" + p.guide() + "' is not in the bucket: put it at " + key
                    + " before uploading images that name it");
        }
        if (head.get().size() > MAX_BYTES) {
            throw new Rejection("guide image " + key + " is " + head.get().size() / (1 << 20) + " MiB; a guide may be at most "
                    + (MAX_BYTES >> 20) + " MiB (it is scaled to the tile size anyway)");
        }
        Path tmp = Files.createTempFile("guide-", "-" + p.guide());
        try (InputStream in = objects.open(key)) {
            DecodedImage img = ImageDecoder.read(in, tmp, MAX_PIXELS);
            if (img.width() < 1 || img.height() < 1) throw new Rejection("guide image " + key + " is empty");
        } catch (ImageException e) {
            throw new Rejection("guide image " + key + " cannot be used: " + e.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
