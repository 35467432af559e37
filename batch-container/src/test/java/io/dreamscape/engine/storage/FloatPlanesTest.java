package io.dreamscape.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloatPlanesTest {
    @TempDir
    Path dir;

    @Test
    void rowsRoundTripAndClosingRemovesTheScratchFileAndItsMapping() throws Exception {
        FloatPlanes p = FloatPlanes.create(300, 7, dir);
        float[] row = new float[300];
        for (int i = 0; i < row.length; i++) row[i] = i * 0.5f;
        p.putRow(2, 6, row);
        float[] back = new float[300];
        p.getRow(2, 6, back);
        assertArrayEquals(row, back);
        assertEquals(0f, p.get(0, 0, 0));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        p.close();
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the scratch file is removed on close");
        }
        String maps = Files.readString(Path.of("/proc/self/maps"));
        assertTrue(!maps.contains(dir.toString()), "the mapping is released on close, not at some later GC");
        assertThrows(NullPointerException.class, () -> p.get(0, 0, 0), "a closed image refuses access");
        p.close(); // idempotent
    }

    @Test
    void bilinearResizeKeepsAConstantAndHalvesALine() {
        try (FloatPlanes src = FloatPlanes.create(8, 8, dir); FloatPlanes dst = FloatPlanes.create(4, 4, dir)) {
            float[] row = {0, 0, 1, 1, 2, 2, 3, 3};
            for (int c = 0; c < 3; c++) for (int y = 0; y < 8; y++) src.putRow(c, y, row);
            Resampler.resize(src, dst);
            float[] out = new float[4];
            dst.getRow(1, 2, out);
            assertArrayEquals(new float[] {0, 1, 2, 3}, out, 1e-6f);
        }
    }
}
