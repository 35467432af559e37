package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceCountTest {
    @Test
    void byDefaultEveryVisibleGpuAndOnePinnedGpuOrTheCpuAlone() {
        assertEquals(List.of(Device.gpu(0), Device.gpu(1), Device.gpu(2), Device.gpu(3)),
                DeviceCount.resolve(Device.gpu(0), false, 4, null));
        assertEquals(List.of(Device.gpu(2)), DeviceCount.resolve(Device.gpu(2), true, 4, ""));
        assertEquals(List.of(Device.cpu()), DeviceCount.resolve(Device.cpu(), false, 4, null));
        assertEquals(List.of(Device.gpu(0)), DeviceCount.resolve(Device.gpu(0), false, 1, null));
    }

    @Test
    void anOverrideSetsTheCountAndCpuDevicesStandInForGpus() {
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), DeviceCount.resolve(Device.gpu(0), false, 4, "2"));
        assertEquals(List.of(Device.gpu(1), Device.gpu(2)), DeviceCount.resolve(Device.gpu(1), true, 4, "2"));
        assertEquals(List.of(Device.cpu(), Device.cpu()), DeviceCount.resolve(Device.cpu(), false, 0, "2"));
        assertEquals("cpu×2", DeviceCount.describe(List.of(Device.cpu(), Device.cpu())));
        assertEquals("gpu:1-2", DeviceCount.describe(List.of(Device.gpu(1), Device.gpu(2))));
        assertEquals("gpu:0", DeviceCount.describe(List.of(Device.gpu(0))));
    }

    @Test
    void aBadOrTooLargeCountIsRefusedWithASentence() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceCount.resolve(Device.gpu(0), false, 4, "5"));
        assertTrue(e.getMessage().contains("only 4 GPU(s) are visible"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeviceCount.resolve(Device.cpu(), false, 0, "two"));
        assertTrue(e.getMessage().contains("'two' is not a device count"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceCount.resolve(Device.cpu(), false, 0, "0"));
    }
}
