package io.dreamscape.service;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The deep-zoom viewer's files (OpenSeadragon's minified script and its button images), served by the status API and
 * local mode from the OpenSeadragon WebJar on the classpath: {@code viewer/openseadragon.min.js},
 * {@code viewer/images/home_rest.png}; and the page's own {@code viewer/dreamscape-viewer.js}. The page loads nothing
 * from a CDN.
 */
public final class ViewerAssets {
    private static final Pattern FILE = Pattern.compile("openseadragon\\.min\\.js|images/[a-z_]{1,40}\\.png");
    /** The page's own viewer script, beside the page. */
    private static final String OWN = "dreamscape-viewer.js";
    private static final String ROOT = root();

    /** A file's bytes and type. */
    public record Asset(byte[] bytes, String contentType) {
    }

    private ViewerAssets() {
    }

    /** The file under {@code viewer/}, or empty when it is not one of the viewer's. */
    public static Optional<Asset> get(String file) throws IOException {
        boolean own = file.equals(OWN);
        if (!own && !FILE.matcher(file).matches()) {
            return Optional.empty();
        }
        try (InputStream in = ViewerAssets.class.getResourceAsStream(own ? "/io/dreamscape/status/viewer.js" : ROOT + file)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new Asset(in.readAllBytes(),
                    file.endsWith(".js") ? "text/javascript; charset=utf-8" : "image/png"));
        }
    }

    /** The WebJar's folder, by the version its own pom.properties names (so a version bump needs no code change). */
    private static String root() {
        try (InputStream in = ViewerAssets.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/openseadragon/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the OpenSeadragon WebJar is not on the classpath");
            }
            Properties p = new Properties();
            p.load(in);
            return "/META-INF/resources/webjars/openseadragon/" + p.getProperty("version") + "/build/openseadragon/";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
