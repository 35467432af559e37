package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A completed local job's Deep Zoom pyramid: the descriptor and tiles as served by local mode are valid (levels,
 * sizes, overlap, a deepest tile equals the output there), and the page opens them in OpenSeadragon, served by local
 * mode itself, and zooms to 100 % (deepest-level tiles load). Saves {@code target/deep-zoom.png}.
 */
class DeepZoomE2ETest {
    private static final Pattern SIZE = Pattern.compile("TileSize=\"(\\d+)\".*Overlap=\"(\\d+)\"|Overlap=\"(\\d+)\".*TileSize=\"(\\d+)\"",
            Pattern.DOTALL);

    private static final int W = 2704;

    @TempDir
    Path home;

    @Test
    void aCompletedJobsPyramidIsValidAndThePageZoomsIntoIt() throws Exception {
        // Twice the photo's size, so that the whole image in a 1100-pixel window needs no full-size tile.
        byte[] photo = TestImages.photo("kite.jpg", W);
        try (LocalModeProcess local = new LocalModeProcess(home.resolve("local"), "--workers", "1")) {
            local.start();
            List<JsonNode> seen = local.uploadAndFollow("uploads/kite.jpg", photo, null, Duration.ofSeconds(240));
            JsonNode done = seen.get(seen.size() - 1);
            assertEquals("COMPLETED", done.get("state").asText(), done.toString());
            String jobId = done.get("jobId").asText();
            String dzi = done.get("deepZoomUrl").asText();
            assertEquals("jobs/" + jobId + "/deepzoom/dream.dzi", dzi);

            String xml = local.get(dzi).body();
            assertTrue(xml.contains("Width=\"" + W + "\""), xml);
            Matcher m = SIZE.matcher(xml);
            assertTrue(m.find(), xml);
            int tileSize = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(4));
            int overlap = Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(3));
            assertEquals(254, tileSize);
            assertEquals(1, overlap);
            int height = TestImages.decode(photo).getHeight();
            int levels = 32 - Integer.numberOfLeadingZeros(W - 1) + 1;
            String tiles = dzi.replace(".dzi", "_files/");
            // Every level exists down to 1×1; the last column and row of the deepest level have their ragged sizes.
            for (int level = 0; level < levels; level++) {
                assertEquals(200, local.get(tiles + level + "/0_0.jpg").statusCode(), "level " + level);
            }
            assertEquals(404, local.get(tiles + levels + "/0_0.jpg").statusCode(), "no level beyond the full size");
            int deepest = levels - 1;
            int lastCol = (W - 1) / tileSize;
            int lastRow = (height - 1) / tileSize;
            BufferedImage corner = TestImages.decode(local.download(local.page.resolve(tiles + deepest + "/" + lastCol + "_" + lastRow + ".jpg").toString()));
            assertEquals(W - (lastCol * tileSize - overlap), corner.getWidth());
            assertEquals(height - (lastRow * tileSize - overlap), corner.getHeight());
            assertEquals(404, local.get(tiles + deepest + "/" + (lastCol + 1) + "_0.jpg").statusCode());

            // A deepest tile equals the output's pixels there (both JPEG: a small mean difference).
            BufferedImage out = TestImages.decode(local.download(done.get("outputUrl").asText()));
            BufferedImage inner = TestImages.decode(local.download(local.page.resolve(tiles + deepest + "/2_1.jpg").toString()));
            assertEquals(tileSize + 2 * overlap, inner.getWidth());
            double diff = 0;
            for (int y = 0; y < inner.getHeight(); y++) {
                for (int x = 0; x < inner.getWidth(); x++) {
                    int a = inner.getRGB(x, y);
                    int b = out.getRGB(2 * tileSize - overlap + x, tileSize - overlap + y);
                    diff += Math.abs((a >>> 8 & 0xff) - (b >>> 8 & 0xff));
                }
            }
            diff /= inner.getWidth() * inner.getHeight();
            assertTrue(diff < 4, "the deepest tile differs from the output by " + diff + " on average");

            browse(local, jobId, deepest);
        }
    }

    private void browse(LocalModeProcess local, String jobId, int deepest) throws IOException {
        HeadlessChromium.assumeInstalled();
        ChromeDriver browser = HeadlessChromium.start("1100,900", home.resolve("chromium-profile"));
        try {
            browser.get(local.page.resolve("?job=" + jobId).toString());
            browser.executeScript("performance.setResourceTimingBufferSize(100000)");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(100));
            wait.until(d -> d.findElement(By.cssSelector("button[data-deepzoom]"))).click();
            String loaded = "const v = window.dreamscapeViewer && window.dreamscapeViewer.viewer;"
                    + "return !!(v && v.world.getItemCount() > 0 && v.world.getItemAt(0).getFullyLoaded());";
            wait.until(d -> (Boolean) browser.executeScript(loaded));
            assertEquals(Boolean.TRUE, browser.executeScript(
                    "return [...document.scripts].some(s => s.src.startsWith(location.origin + '/viewer/openseadragon'))"),
                    "OpenSeadragon comes from local mode itself");
            assertFalse(requested(browser, "/dream_files/" + deepest + "/"), "fit to the window needs no full-size tile");
            assertTrue(browser.findElement(By.id("dz-ba")).isDisplayed(), "the before/after slider is offered");
            wait.until(d -> Long.valueOf(2).equals(browser.executeScript("return window.dreamscapeViewer.viewer.world.getItemCount()")));
            assertTrue(requested(browser, "/source_files/"), "the source's pyramid is the before");

            browser.findElement(By.id("dz-100")).click();
            wait.until(d -> requested(browser, "/dream_files/" + deepest + "/") && (Boolean) browser.executeScript(loaded));
            // The readout follows the animation; once it ends it shows one image pixel per screen pixel.
            wait.until(d -> d.findElement(By.id("dz-where")).getText().matches("(9[5-9]|10[0-5]) %"));
            assertEquals(0L, browser.executeScript(
                    "return performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).length"),
                    "nothing is loaded from another origin (no CDN)");

            HeadlessChromium.screenshot(browser, "deep-zoom.png");
        } finally {
            browser.quit();
        }
    }

    private static boolean requested(ChromeDriver browser, String part) {
        return (Boolean) browser.executeScript(
                "return performance.getEntriesByType('resource').some(e => e.name.includes(arguments[0]))", part);
    }
}
