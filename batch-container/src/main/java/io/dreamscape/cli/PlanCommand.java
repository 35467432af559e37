package io.dreamscape.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.ImageProbe;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.ParameterException;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.QuoteService;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code dreamscape plan IN [dream options] [--json]}: what the cloud workflow would do with this image — the plan its
 * Planner makes (octaves, tile passes, shards, work units) and the quote (GPU-seconds, wall time, dollars, worker
 * memory) — without dreaming. The dream options are parsed by {@link DreamCommand} itself, so both always accept the
 * same flags. The planner's configuration comes from the same environment variables as the Plan function
 * ({@link PlannerConfig#fromEnv}: {@code GPU_WORK_UNITS_PER_SECOND}, {@code GPU_DOLLARS_PER_HOUR}, ...).
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what rendering IN in the cloud would do and cost, without dreaming.",
                "Takes the same parameter options as 'dreamscape dream' (see its --help); -o is not needed."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the plan was printed", "2:bad parameters or usage", "3:the input image cannot be used"})
public final class PlanCommand implements Callable<Integer> {
    /** IN, from the dream options (DreamCommand parses the positional argument too, wherever it stands). */
    private Path input;

    @Option(names = "--json", description = "print the quote as JSON (the same document as the page's quote endpoint)")
    boolean json;

    @Option(names = "--gpu-dollars-per-hour", paramLabel = "USD", description = "GPU price (default: $GPU_DOLLARS_PER_HOUR or " + PlannerConfig.DEFAULT_GPU_DOLLARS_PER_HOUR + ")")
    Double dollarsPerHour;

    @Unmatched
    @SuppressWarnings("FieldMayBeFinal")
    List<String> dreamOptions = new ArrayList<>();

    private final Map<String, String> env;

    public PlanCommand() {
        this(System.getenv());
    }

    PlanCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            DreamParameters p = parameters();
            if (!Files.isRegularFile(input)) {
                err.println("dreamscape: input not found: " + input);
                return DreamCommand.EXIT_BAD_IMAGE;
            }
            ImageInfo info = ImageProbe.probe(input);
            Limits limits = Limits.fromEnv(env);
            ImageProbe.checkLimit(info, Math.min(limits.maxPixels(), p.maxPixels()));
            PlannerConfig config = PlannerConfig.fromEnv(env);
            if (dollarsPerHour != null) {
                config = new PlannerConfig(config.workUnitsPerGpuSecond(), config.targetShardSeconds(), config.maxShards(),
                        dollarsPerHour, config.overheadSecondsPerShard(), config.haloPixels(), config.multiGpuDevices(),
                        config.multiGpuEfficiency(), config.multiGpuDollarsPerHour());
            }
            QuoteService quotes = new QuoteService(config, limits);
            Map<String, Object> q = quotes.quote(info.format().name(), info.orientedWidth(), info.orientedHeight(), p);
            if (json) {
                out.println(JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(q));
            } else {
                print(out, q, info);
            }
            return 0;
        } catch (java.io.IOException | RuntimeException e) {
            return DreamCommand.failure(e, input, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The dream command's own parsing of the same flags; a seed, when not given, stays unset (it does not change the plan). */
    DreamParameters parameters() throws java.io.IOException {
        DreamCommand dream = new DreamCommand();
        List<String> args = new ArrayList<>(dreamOptions);
        args.add("-o");
        args.add("plan-only.jpg");
        try {
            new CommandLine(dream).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new ParameterException(e.getMessage());
        }
        input = dream.input;
        return dream.resolveParameters();
    }

    @SuppressWarnings("unchecked")
    private static void print(PrintWriter out, Map<String, Object> q, ImageInfo info) {
        out.printf(Locale.ROOT, "%s×%s pixels (%.1f MP), %s%n", q.get("width"), q.get("height"), q.get("megapixels"), info.format());
        out.printf(Locale.ROOT, "%-7s %-13s %6s %6s %16s%n", "octave", "size", "tiles", "steps", "work units");
        for (Map<String, Object> o : (List<Map<String, Object>>) q.get("octaves")) {
            out.printf(Locale.ROOT, "%-7d %-13s %6d %6d %,16d%n", (int) o.get("octave") + 1, o.get("width") + "×" + o.get("height"),
                    o.get("tiles"), o.get("steps"), o.get("work"));
        }
        List<Map<String, Object>> shards = (List<Map<String, Object>>) q.get("shards");
        int baseOctaves = ((Number) q.getOrDefault("baseOctaves", 0)).intValue();
        if (baseOctaves > 0) {
            out.printf(Locale.ROOT, "base: octaves 1–%d of the whole image, once, before the shards  %,d work units%n",
                    baseOctaves, ((Number) q.get("baseWork")).longValue());
        }
        out.printf(Locale.ROOT, "shards: %d (GPU workers at once), halo %s px%s%n", shards.size(), q.get("halo"),
                baseOctaves > 0 ? ", each refining the last " + (((List<?>) q.get("octaves")).size() - baseOctaves)
                        + " octave(s) of its region" : "");
        for (Map<String, Object> s : shards) {
            var core = (io.dreamscape.job.Rect) s.get("core");
            var halo = (io.dreamscape.job.Rect) s.get("halo");
            out.printf(Locale.ROOT, "  #%-3d core %d,%d %d×%d  with halo %d×%d  %,d work units%n", s.get("index"), core.x(),
                    core.y(), core.width(), core.height(), halo.width(), halo.height(), s.get("work"));
        }
        Estimate e = (Estimate) q.get("estimate");
        out.printf(Locale.ROOT, "work units: %,d%n", q.get("totalWork"));
        out.printf(Locale.ROOT, "estimate: %.1f GPU-seconds, %.1f s wall time, $%.3f at $%.3f per GPU-hour (%.3g work units per GPU-second)%n",
                e.gpuSeconds(), e.wallSeconds(), e.costUsd(), e.dollarsPerGpuHour(), e.workUnitsPerGpuSecond());
        Map<String, Object> w = (Map<String, Object>) q.get("workers");
        out.printf(Locale.ROOT, "per worker: peak memory ≈ %d MiB, scratch disk ≈ %d MiB%n",
                ((Number) w.get("peakMemoryBytes")).longValue() >> 20, ((Number) w.get("scratchBytes")).longValue() >> 20);
    }
}
