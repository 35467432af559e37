package io.dreamscape.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * GPU names, memory and the driver version as {@code nvidia-smi} reports them. PyTorch tells how many GPUs it can use
 * but not their names or the driver; nvidia-smi is on every NVIDIA driver install and the NVIDIA container runtime
 * mounts it into containers with the {@code utility} capability (the worker image asks for it). Absent or failing:
 * empty, and the doctor says so.
 */
final class NvidiaSmi {

    record Gpu(int index, String name, long memoryMiB, String driver) {
    }

    private NvidiaSmi() {
    }

    static Optional<List<Gpu>> query() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total,driver_version",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                return Optional.empty();
            }
            return Optional.of(parse(new String(out, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Optional.empty(); // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length < 4) {
                continue;
            }
            try {
                gpus.add(new Gpu(Integer.parseInt(f[0].trim()), f[1].trim(), Long.parseLong(f[2].trim()), f[3].trim()));
            } catch (NumberFormatException e) {
                // a line that is not a GPU row (a warning): skip it
            }
        }
        return gpus;
    }
}
