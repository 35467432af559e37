package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Loopback only by default; any other address needs a token, which then guards listing and uploading on the web API
 * and is the S3 secret key of access key {@code dreamscape}.
 */
class WebServerAuthTest {
    @TempDir
    Path dir;

    static S3Client s3(java.net.URI endpoint, String access, String secret) {
        return S3Client.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    @Test
    void aShortTokenIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LocalMode.start(
                new LocalMode.Config(dir, "0.0.0.0", 0, 0, "dreamscape", 1, "short", Duration.ofSeconds(1), null),
                LocalModeTest::fakeWorker, 0));
        assertTrue(e.getMessage().contains("--token"), e.getMessage());
    }

    @Test
    void withoutATokenEachStartMakesAFreshOne() throws Exception {
        String first;
        try (LocalMode mode = LocalMode.start(new LocalMode.Config(dir, "127.0.0.1", 0, 0, "dreamscape", 1, null,
                Duration.ofSeconds(1), null), LocalModeTest::fakeWorker, 0)) {
            first = mode.token();
            assertTrue(first.length() >= 32, first);
            assertTrue(mode.pageUrlWithToken().toString().endsWith("/?token=" + first));
            HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    mode.pageUrl().resolve("jobs")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), "loopback is no exception: other users of this machine reach it too");
        }
        try (LocalMode mode = LocalMode.start(new LocalMode.Config(dir, "127.0.0.1", 0, 0, "dreamscape", 1, null,
                Duration.ofSeconds(1), null), LocalModeTest::fakeWorker, 0)) {
            assertTrue(!first.equals(mode.token()));
        }
    }

    /** A self-signed key for 127.0.0.1 and localhost, made with the JDK's keytool. */
    static Path keystore(Path dir, String password) throws Exception {
        Path ks = dir.resolve("local.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "local", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return ks;
    }

    @Test
    void withAKeystoreThePageTheApiAndTheS3EndpointSpeakHttpsOnly() throws Exception {
        String password = "keystore-password";
        Path ks = keystore(dir, password);
        java.security.KeyStore trust = java.security.KeyStore.getInstance(ks.toFile(), password.toCharArray());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        try (LocalMode mode = LocalMode.start(new LocalMode.Config(dir.resolve("data"), "127.0.0.1", 0, 0, "dreamscape", 1,
                null, Duration.ofSeconds(1), null, java.util.List.of(), LocalMode.Config.DEFAULT_MAX_UPLOAD,
                new LocalMode.Tls(ks, password)), LocalModeTest::fakeWorker, 0)) {
            assertEquals("https", mode.pageUrl().getScheme());
            assertEquals("https", mode.s3Endpoint().getScheme());
            HttpClient https = HttpClient.newBuilder().sslContext(client).build();
            HttpResponse<String> open = https.send(HttpRequest.newBuilder(mode.pageUrlWithToken()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(302, open.statusCode());
            assertTrue(open.headers().firstValue("Set-Cookie").orElseThrow().contains("; Secure"), open.headers().toString());
            HttpResponse<String> jobs = https.send(HttpRequest.newBuilder(mode.pageUrl().resolve("jobs"))
                    .header("Authorization", "Bearer " + mode.token()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, jobs.statusCode(), jobs.body());
            java.net.URI plain = java.net.URI.create("http://127.0.0.1:" + mode.pageUrl().getPort() + "/jobs");
            assertThrows(java.io.IOException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()),
                    "no plain HTTP on the TLS port");
            try (S3Client s3 = S3Client.builder().region(Region.US_EAST_1).endpointOverride(mode.s3Endpoint())
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("any", "key")))
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .tlsTrustManagersProvider(tmf::getTrustManagers)).build()) {
                s3.putObject(b -> b.bucket("dreamscape").key("notes/readme.txt"), RequestBody.fromString("over TLS"));
                assertEquals(1, s3.listObjectsV2(b -> b.bucket("dreamscape").prefix("notes/")).keyCount());
            }
        }
    }

    @Test
    void withATokenListingAndUploadingNeedIt() throws Exception {
        String token = "a-long-enough-secret-token";
        try (LocalMode mode = LocalMode.start(new LocalMode.Config(dir, "0.0.0.0", 0, 0, "dreamscape", 1, token,
                Duration.ofSeconds(1), null), LocalModeTest::fakeWorker, 0)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + mode.pageUrl().getPort() + "/";
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(java.net.URI.create(base + "jobs")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(java.net.URI.create(base + "upload?name=a.jpg"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(LocalModeTest.jpeg(8, 8))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, upload.statusCode());
            HttpResponse<String> withToken = http.send(HttpRequest.newBuilder(java.net.URI.create(base + "jobs"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, withToken.statusCode(), withToken.body());
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(java.net.URI.create(base)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), "the page itself holds no data");

            java.net.URI s3 = java.net.URI.create("http://127.0.0.1:" + mode.s3Endpoint().getPort());
            try (S3Client anyKey = s3(s3, "any-key", "any-secret");
                 S3Client owner = s3(s3, LocalMode.ACCESS_KEY, token)) {
                S3Exception refused = assertThrows(S3Exception.class, () -> anyKey.listObjectsV2(b -> b.bucket("dreamscape")));
                assertEquals(403, refused.statusCode());
                owner.putObject(b -> b.bucket("dreamscape").key("uploads/ok.jpg"), RequestBody.fromBytes(LocalModeTest.jpeg(8, 8)));
                assertEquals(1, owner.listObjectsV2(b -> b.bucket("dreamscape").prefix("uploads/")).keyCount());
            }
        }
    }
}
