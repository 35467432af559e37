package io.dreamscape.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceMemoryParameterTest {
    @Test
    void sizesReadAsPeopleWriteThem() {
        assertEquals(512L << 20, ByteSize.parse("x", "512M"));
        assertEquals(20L << 30, ByteSize.parse("x", "20g"));
        assertEquals(3L << 29, ByteSize.parse("x", "1.5GiB"));
        assertEquals(4096, ByteSize.parse("x", "4096"));
        assertEquals("512M", ByteSize.format(512L << 20));
        assertEquals("20G", ByteSize.format(20L << 30));
    }

    @Test
    void deviceMemoryIsAnOptionalSizeInTheOneSchema() {
        DreamParameters none = DreamParameters.defaults().with(ParameterJson.parse("{\"steps\": 3}")).validated();
        assertNull(none.deviceMemory(), "unset: the engine picks its default for the device");
        DreamParameters set = DreamParameters.defaults().with(ParameterJson.parse("{\"deviceMemory\": \"512M\"}")).validated();
        assertEquals(512L << 20, set.deviceMemory());
        ParameterException e = assertThrows(ParameterException.class,
                () -> DreamParameters.defaults().with(ParameterJson.parse("{\"deviceMemory\": \"half\"}")));
        assertTrue(e.getMessage().contains("deviceMemory 'half' is not a memory size"), e.getMessage());
    }

    @Test
    void workCountsTheWindowsTheEngineComputes() {
        DreamParameters p = DreamParameters.defaults().with(ParameterJson.parse("{\"octaves\": 1, \"steps\": 2, \"tile\": 512, \"jitter\": 32}"));
        // 4096 + 32 jitter cut every 512 from phase 0: 8 full cores + one of 32, each with 16 px context on both sides.
        long axis = 8 * (512 + 32) + 64;
        assertEquals(axis * axis, OctaveSizes.stepWork(4096, 4096, p));
        assertEquals(axis * axis * 2, OctaveSizes.totalWork(4096, 4096, p));
        assertEquals(9, OctaveSizes.windowsAcross(4096, p));
        // An image that fits in one tile is one window without margin: the classic untiled step.
        assertEquals((300L + 32) * (200 + 32), OctaveSizes.stepWork(300, 200, p));
    }
}
