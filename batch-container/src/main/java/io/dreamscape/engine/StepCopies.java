package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One resident step's extended image on the devices other than device 0: copied to a device when the first batch
 * runs there (once per step and device), freed with everything that device computed in the step when the step ends.
 */
final class StepCopies implements AutoCloseable {
    private final NDArray padded;
    private final DeviceQueue devices;
    private final DeviceTransfers transfers;
    private final NDManager[] managers;
    private final NDArray[] copies;

    StepCopies(NDArray padded, DeviceQueue devices, DeviceTransfers transfers) {
        this.padded = padded;
        this.devices = devices;
        this.transfers = transfers;
        this.managers = new NDManager[devices.devices()];
        this.copies = new NDArray[devices.devices()];
    }

    /** The extended image on {@code device} (device 0: the original). */
    NDArray on(int device) {
        if (device == 0) return padded;
        synchronized (copies) {
            if (copies[device] == null) {
                managers[device] = devices.step(device).newManager();
                copies[device] = transfers.toDevice(padded, managers[device]);
            }
            return copies[device];
        }
    }

    @Override
    public void close() {
        synchronized (copies) {
            for (NDManager m : managers) {
                if (m != null) m.close();
            }
        }
    }
}
