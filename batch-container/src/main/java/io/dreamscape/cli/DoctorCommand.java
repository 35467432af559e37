package io.dreamscape.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dreamscape doctor}: a smoke test of the engine on this machine (a GPU instance after {@code cdk deploy}, a
 * laptop, a container) before any render spends money on it. Exit 0 only when every check passed.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Checks that this machine can dream: engine and libtorch versions, the devices PyTorch sees "
                + "(GPU name, memory, driver, CUDA), the model, and one timed forward+backward tile.",
                "Exit status: 0 all checks passed, 1 a check failed (the line says why)."})
public final class DoctorCommand implements Callable<Integer> {
    static final int EXIT_NOT_READY = 1;

    @Option(names = "--model", defaultValue = "googlenet",
            description = "googlenet (built in) or a TorchScript .pt file (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--weights", description = "GoogLeNet weights file (default: the cache or the image's copy)")
    Path weights;

    @Option(names = "--device", defaultValue = Doctor.AUTO,
            description = "auto (a GPU when one is visible, else the CPU), cpu, gpu or gpu:N; gpu fails without one "
                    + "(default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--tile", defaultValue = "512", description = "tile edge for the timed step (default ${DEFAULT-VALUE})")
    int tile;

    @Option(names = "--json", description = "one JSON object instead of lines for people")
    boolean json;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (tile < 32 || tile > 4096) {
            System.err.println("dreamscape: --tile " + tile + ": use 32 to 4096");
            return 2;
        }
        DoctorReport report = new Doctor(model, weights, device, tile).run();
        String using = report.checks().stream().filter(c -> c.name().equals("device")).findFirst()
                .map(c -> String.valueOf(c.facts().get("using"))).orElse("?");
        out.print(json ? report.json() + "\n" : report.human("All checks passed: this machine can dream on " + using + "."));
        out.flush();
        return report.ok() ? 0 : EXIT_NOT_READY;
    }
}
