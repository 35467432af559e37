package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a shard process is started: bound to one GPU, in the bucket's models/ folder, with the loopback store URL. */
class ProcessShardDreamerTest {
    @TempDir
    Path dir;

    @Test
    void aGpuWorkerSeesOnlyItsOwnGpuAndACpuWorkerNone() throws Exception {
        try (H2ProgressStore store = H2ProgressStore.open(dir.resolve(LocalMode.STATE_FOLDER))) {
            ProcessShardDreamer d = new ProcessShardDreamer(dir, "dreamscape", Path.of("w.pth"), Duration.ofSeconds(1),
                    Duration.ofMinutes(1), Duration.ZERO, store, JsonLog.of("test"));
            JobId id = JobId.random();
            ProcessBuilder gpu = d.command(id, 2, Device.gpu(1));
            assertEquals("1", gpu.environment().get("CUDA_VISIBLE_DEVICES"));
            List<String> cmd = gpu.command();
            assertEquals("gpu", cmd.get(cmd.indexOf("--device") + 1));
            assertEquals("2", cmd.get(cmd.indexOf("--shard") + 1));
            assertEquals(id.value(), cmd.get(cmd.indexOf("--job") + 1));
            assertTrue(cmd.get(cmd.indexOf("--db") + 1).startsWith("jdbc:h2:tcp://127.0.0.1:"));
            assertEquals(Path.of("w.pth").toAbsolutePath().toString(), cmd.get(cmd.indexOf("--weights") + 1),
                    "a relative --weights is taken from where local mode was started, not the shard's folder");
            assertEquals(dir.resolve("dreamscape/models").toFile(), gpu.directory());

            ProcessBuilder cpu = d.command(id, 0, Device.cpu());
            assertEquals("cpu", cpu.command().get(cpu.command().indexOf("--device") + 1));
            assertEquals(System.getenv("CUDA_VISIBLE_DEVICES"), cpu.environment().get("CUDA_VISIBLE_DEVICES"), "left as it was");
        }
    }
}
