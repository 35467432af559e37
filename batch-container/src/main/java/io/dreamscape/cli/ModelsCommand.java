package io.dreamscape.cli;

import ai.djl.Device;
import io.dreamscape.engine.googlenet.GoogLeNetNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dreamscape models}: the models this machine can dream with, their dream layers and each layer's channel
 * count, i.e. what {@code --layer NAME#C1,C2} may name. GoogLeNet's counts come from its architecture (no weights are
 * needed); a TorchScript model's from its sidecar, else from one forward pass of a small input.
 */
@Command(name = "models", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists the models to dream with (the built-in googlenet and the TorchScript .pt files found), "
                + "their dream layers, shallow to deep, and each layer's channel count (for --layer NAME#C1,C2).",
                "Exit status: 0 listed, 1 a model file could not be loaded (the line says why), 2 bad usage."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "1:a model file could not be loaded", "2:bad usage"})
public final class ModelsCommand implements Callable<Integer> {
    /** Local mode's models folder with its default data folder and bucket. */
    static final Path DEFAULT_DIR = Path.of("dreamscape-data", "dreamscape", "models");

    @Parameters(arity = "0..*", paramLabel = "FILE.pt", description = "TorchScript model files to list as well")
    List<Path> files = new ArrayList<>();

    @Option(names = "--model-dir", paramLabel = "DIR", description = "folder of TorchScript models (*.pt, with their "
            + "sidecar .json); repeatable (default: local mode's ./" + "dreamscape-data/dreamscape/models when it exists)")
    List<Path> dirs;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<Path> models = new ArrayList<>();
        List<Path> folders = dirs != null ? dirs : (Files.isDirectory(DEFAULT_DIR) ? List.of(DEFAULT_DIR) : List.of());
        for (Path d : folders) {
            if (!Files.isDirectory(d)) {
                System.err.println("dreamscape: --model-dir " + d + " is not a folder");
                return DreamCommand.EXIT_USAGE;
            }
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> p.getFileName().toString().endsWith(".pt") && Files.isRegularFile(p)).sorted().forEach(models::add);
            } catch (IOException e) {
                System.err.println("dreamscape: cannot list " + d + ": " + e.getMessage());
                return DreamCommand.EXIT_USAGE;
            }
        }
        models.addAll(files);
        print(out, "googlenet (built in)", GoogLeNetNetwork.LAYERS, GoogLeNetNetwork.CHANNELS);
        int exit = 0;
        for (Path m : models) {
            try (TorchScriptNetwork net = TorchScriptNetwork.load(m, Device.cpu())) {
                print(out, m.getFileName() + " (" + m + ")", net.layers(), net.channels());
            } catch (IOException | RuntimeException e) {
                out.println();
                out.println(m.getFileName() + " (" + m + "): cannot be loaded: " + e.getMessage());
                exit = DreamCommand.EXIT_FAILED;
            }
        }
        if (models.isEmpty()) {
            out.println();
            out.println("No TorchScript models listed: name .pt files or a folder with --model-dir.");
        }
        out.flush();
        return exit;
    }

    private static void print(PrintStream out, String title, List<String> layers, Map<String, Integer> channels) {
        String def = LayerSelection.resolve(DreamParameters.defaults(), layers).get(0).name();
        out.println();
        out.println(title + ": " + layers.size() + " dream layers, default " + def);
        int width = layers.stream().mapToInt(String::length).max().orElse(0);
        for (String l : layers) {
            Integer c = channels.get(l);
            out.printf(Locale.ROOT, "  %-" + width + "s  %s%n", l, c == null ? "?" : c + " channels (#0-" + (c - 1) + ")");
        }
    }
}
