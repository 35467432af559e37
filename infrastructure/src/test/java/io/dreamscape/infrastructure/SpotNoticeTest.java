package io.dreamscape.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spot notice watcher from the launch template's user data, run as written by bash against a loopback stand-in for
 * the instance metadata service (IMDSv2: token first) and a stand-in {@code docker} that records what it is asked.
 */
class SpotNoticeTest {

    @Test
    void aSpotNoticeSendsSigtermToTheTaskContainersOnce(@TempDir Path dir) throws Exception {
        AtomicBoolean notice = new AtomicBoolean(false);
        List<String> imds = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            imds.add(ex.getRequestMethod() + " " + path + " token=" + ex.getRequestHeaders()
                    .getFirst("X-aws-ec2-metadata-token"));
            byte[] body;
            int status;
            if (path.equals("/latest/api/token") && ex.getRequestMethod().equals("PUT")) {
                status = 200;
                body = "tok-1".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/latest/meta-data/spot/instance-action") && notice.get()
                    && "tok-1".equals(ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"))) {
                status = 200;
                body = "{\"action\":\"terminate\",\"time\":\"2026-12-02T10:02:00Z\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                body = new byte[0];
            }
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path calls = dir.resolve("docker-calls.txt");
            Path docker = bin.resolve("docker");
            Files.writeString(docker, "#!/bin/bash\necho \"$*\" >> '" + calls + "'\n"
                    + "if [ \"$1\" = ps ]; then echo c0ffee01; echo c0ffee02; fi\n");
            docker.toFile().setExecutable(true);
            Path script = dir.resolve("watch.sh");
            Files.write(script, SpotNotice.script());

            ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out.txt").toFile());
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            pb.environment().put("DREAMSCAPE_IMDS", "http://127.0.0.1:" + server.getAddress().getPort() + "/latest");
            Process p = pb.start();
            // No notice yet: the watcher keeps polling and touches no container.
            Thread.sleep(1500);
            assertTrue(p.isAlive(), Files.readString(dir.resolve("out.txt")));
            assertTrue(!Files.exists(calls), "no docker call before a notice");
            assertTrue(imds.stream().anyMatch(s -> s.startsWith("PUT /latest/api/token")), imds.toString());

            notice.set(true);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the watcher ends after acting on the notice");
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.txt")));
            assertEquals(List.of("ps -q --filter label=com.amazonaws.ecs.task-arn",
                    "kill --signal SIGTERM c0ffee01 c0ffee02"), Files.readAllLines(calls));
        } finally {
            server.stop(0);
        }
    }
}
