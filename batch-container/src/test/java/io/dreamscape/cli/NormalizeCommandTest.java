package io.dreamscape.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --normalize} from the command line: laplacian runs end to end, an unknown kind is refused up front. */
class NormalizeCommandTest {
    @TempDir
    Path dir;

    final DreamCommandTest cli = new DreamCommandTest();

    @BeforeEach
    void share() {
        cli.dir = dir;
    }

    @Test
    void anUnknownNormaliserIsAUsageErrorWithASentenceBeforeAnyModelIsOpened() throws Exception {
        Path in = cli.photo("in.png", 64, 64);
        Path out = dir.resolve("o.png");
        // A model that does not exist: had it been opened first, its error would come instead.
        String missing = dir.resolve("no-such-model.pt").toString();
        DreamCommandTest.Run r = cli.dream(in.toString(), "-o", out.toString(), "--normalize", "median", "--model", missing);
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("normalize is 'median'; allowed \"mean\""), r.err());
        assertTrue(r.err().contains("\"laplacian\""), r.err());
        assertFalse(r.err().contains("no-such-model"), r.err());
        Path params = Files.writeString(dir.resolve("p.json"), "{\"normalize\": \"std\"}");
        r = cli.dream(in.toString(), "-o", out.toString(), "--params", params.toString(), "--model", missing);
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("normalize is 'std'"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void laplacianRunsEndToEndAndDiffersFromMean() throws Exception {
        Path in = cli.photo("in.png", 120, 80);
        Path mean = dir.resolve("mean.png");
        Path lap = dir.resolve("lap.png");
        String[] common = {"--octaves", "2", "--steps", "3", "--step-size", "3", "--seed", "4", "--tile", "64"};
        DreamCommandTest.Run r = cli.dream(concat(new String[] {in.toString(), "-o", mean.toString()}, common));
        assertEquals(0, r.exit(), r.err());
        r = cli.dream(concat(new String[] {in.toString(), "-o", lap.toString(), "--normalize", "laplacian"}, common));
        assertEquals(0, r.exit(), r.err());
        assertNotEquals(DreamCommandTest.sha(mean), DreamCommandTest.sha(lap));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
