package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The upload panel's parameter form and quote in a real browser: fields with the schema's bounds and the server's
 * defaults, the server's own sentence for a bad value as it is typed, "new seed", the quote for the chosen file, and
 * an upload that carries exactly what the form says. Saves {@code target/parameter-form.png}.
 */
class ParameterFormBrowserE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void theFormChecksAsYouTypeQuotesTheFileAndTheUploadCarriesItsValues() throws Exception {
        HeadlessChromium.assumeInstalled();
        Path photo = home.resolve("kite.jpg");
        Files.write(photo, TestImages.photo("kite.jpg", 320));
        try (LocalModeProcess local = new LocalModeProcess(home.resolve("local"), "--workers", "1")) {
            local.start();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(local.page.resolve("quote"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"height\": 10}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode());
            assertTrue(JSON.readTree(bad.body()).get("error").asText().startsWith("width must be a whole number"), bad.body());

            ChromeDriver browser = HeadlessChromium.start("1100,1000", home.resolve("chromium-profile"));
            try {
                browser.get(local.pageWithToken().toString());
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(100));
                WebElement steps = wait.until(d -> d.findElement(By.id("f-steps")));
                assertEquals("1", steps.getAttribute("min"));
                assertEquals("500", steps.getAttribute("max"));
                assertEquals("2", steps.getAttribute("value"), "the server's default (local mode's --params)");
                assertEquals("64", browser.findElement(By.id("f-tile")).getAttribute("min"));
                assertEquals("4096", browser.findElement(By.id("f-tile")).getAttribute("max"));
                assertEquals("conv2", browser.findElement(By.id("f-layers")).getAttribute("value"));
                for (String f : List.of("f-octaves", "f-octaveScale", "f-stepSize", "f-jitter", "f-seed", "f-wrap", "f-quality")) {
                    assertFalse(browser.findElements(By.id(f)).isEmpty(), f);
                }
                assertFalse(browser.findElement(By.id("advanced")).getAttribute("open") != null, "the JSON box is folded away");

                steps.clear();
                steps.sendKeys("0");
                wait.until(d -> d.findElement(By.id("form-status")).getText().contains("steps is 0; allowed 1 to 500"));
                assertTrue(steps.getAttribute("class").contains("invalid"));
                steps.clear();
                steps.sendKeys("3");
                wait.until(d -> d.findElement(By.id("form-status")).getText().startsWith("OK: 1 octaves × 3 steps"));
                assertFalse(steps.getAttribute("class").contains("invalid"));

                browser.findElement(By.id("new-seed")).click();
                wait.until(d -> !d.findElement(By.id("f-seed")).getAttribute("value").isEmpty());
                String seed = browser.findElement(By.id("f-seed")).getAttribute("value");

                browser.findElement(By.id("file")).sendKeys(photo.toString());
                WebElement quote = wait.until(d -> {
                    WebElement q = d.findElement(By.id("quote"));
                    return q.getText().startsWith("Quote: 320×") ? q : null;
                });
                String quoteText = quote.getText();

                browser.findElement(By.id("send")).click();
                wait.until(d -> d.findElement(By.id("upload-status")).getText().contains("Uploaded as uploads/kite.jpg"));
                String jobId = local.awaitJobId("uploads/kite.jpg", Duration.ofSeconds(60));
                List<JsonNode> seen = local.pollUntilFinished(jobId, Duration.ofSeconds(180));
                JsonNode done = seen.get(seen.size() - 1);
                assertEquals("COMPLETED", done.get("state").asText(), done.toString());
                assertEquals(3, done.get("parameters").get("steps").asInt(), "the form's steps went with the upload");
                assertEquals(seed, done.get("parameters").get("seed").asText(), "the new seed went with the upload");
                long gpu = Math.round(done.get("estimate").get("gpuSeconds").asDouble());
                assertTrue(quoteText.contains("about " + gpu + " GPU-seconds"), "the quote equals the plan's estimate ("
                        + gpu + " GPU-seconds): " + quoteText);
                assertTrue(done.get("actual").get("gpuSeconds").asDouble() > 0, "the real cost after: " + done.get("actual"));

                HeadlessChromium.screenshot(browser, "parameter-form.png");
            } finally {
                browser.quit();
            }
        }
    }
}
