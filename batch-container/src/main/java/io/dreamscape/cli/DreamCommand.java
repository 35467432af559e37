package io.dreamscape.cli;

import ai.djl.Device;
import io.dreamscape.engine.DeviceCount;
import io.dreamscape.engine.DreamFile;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GuideImage;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.Networks;
import io.dreamscape.engine.storage.MaskInput;
import io.dreamscape.imaging.ImageException;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.Normalize;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.ParameterLayers;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dreamscape dream IN -o OUT}: one image, on this machine. Flags override {@code --params FILE.json}. */
@Command(name = "dream", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Apply DeepDream to one image of any size (tiled, bounded memory).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the output was written", "1:the run failed", "2:bad parameters or usage", "3:the input image cannot be used"})
public final class DreamCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_BAD_IMAGE = 3;

    @Parameters(index = "0", paramLabel = "IN", description = "input image (JPEG, PNG or TIFF; 8 or 16 bit)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "output image; .jpg, .png or .tif")
    Path output;

    @Option(names = "--params", paramLabel = "FILE.json", description = "parameters as JSON (same names as the flags, camelCase)")
    Path paramsFile;

    @Option(names = "--model", description = "googlenet (built in, default) or a TorchScript .pt file")
    String model;

    @Option(names = "--weights", paramLabel = "PATH", description = "GoogLeNet weights file (googlenet-1378be20.pth); else the cache or a download")
    Path weights;

    @Option(names = "--layer", paramLabel = "NAME[#C1,C2][:WEIGHT]", description = "layer to dream on, optionally only "
            + "some of its channels (e.g. inception4c#12,40:0.5); repeat for several; 'dreamscape models' lists them")
    List<String> layers;

    @Option(names = "--preset", description = "a named look: impressionist, classic, animalist")
    String preset;

    @Option(names = "--octaves", description = "number of octaves (default " + DreamParameters.DEFAULT_OCTAVES + ")")
    Integer octaves;

    @Option(names = "--octave-scale", description = "size ratio between octaves (default "
            + DreamParameters.DEFAULT_OCTAVE_SCALE + ")")
    Double octaveScale;

    @Option(names = "--steps", description = "gradient steps per octave (default " + DreamParameters.DEFAULT_STEPS + ")")
    Integer steps;

    @Option(names = "--step-size", description = "step size in 0-255 units (default "
            + DreamParameters.DEFAULT_STEP_SIZE + ")")
    Double stepSize;

    @Option(names = "--jitter", description = "random shift per step, pixels (default "
            + DreamParameters.DEFAULT_JITTER + ")")
    Integer jitter;

    @Option(names = "--tile", description = "tile size, pixels (default " + DreamParameters.DEFAULT_TILE + ")")
    Integer tile;

    @Option(names = "--seed", description = "random seed; the same seed gives the same image")
    Long seed;

    @Option(names = "--wrap", arity = "0..1", paramLabel = "AXES", parameterConsumer = WrapConsumer.class,
            description = "edges that meet: x = left/right (360° panoramas; top/bottom stay mirrored), xy = all four "
                    + "(seamless textures), none; --wrap alone means xy, as before")
    Wrap wrap;

    /**
     * {@code --wrap} takes a value only when the next argument is one ({@code x}, {@code xy}, {@code none}, or a word
     * without a dot or slash, which is then refused with a sentence): {@code --wrap in.jpg -o out.jpg} keeps meaning
     * "both axes, input in.jpg", as before wrap had axes.
     */
    static final class WrapConsumer implements picocli.CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec arg,
                                      picocli.CommandLine.Model.CommandSpec spec) {
            Wrap value = Wrap.XY;
            String next = args.isEmpty() ? null : args.peek();
            if (next != null && !next.startsWith("-") && !next.contains(".") && !next.contains("/")
                    && !next.contains(java.io.File.separator)) {
                args.pop();
                try {
                    value = Wrap.of(next);
                } catch (ParameterException e) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            arg.setValue(value);
        }
    }

    @Option(names = "--keep-colors", description = "keep the input's colours: the dream changes luminance only")
    Boolean keepColors;

    @Option(names = "--mask", paramLabel = "FILE", description = "greyscale image with the input's aspect ratio: white = "
            + "full strength, black = untouched (exactly the input)")
    String mask;

    @Option(names = "--guide", paramLabel = "FILE", description = "guide image: the dream takes on this image's features "
            + "at the chosen layers (google/deepdream's guided objective)")
    String guide;

    @Option(names = "--normalize", paramLabel = "KIND", description = "mean (default: one normaliser for the whole image) "
            + "or laplacian (each frequency band normalised over the whole image)")
    String normalize;

    @Option(names = "--quality", description = "JPEG quality 1-100 (default " + DreamParameters.DEFAULT_QUALITY + ")")
    Integer quality;

    @Option(names = "--max-pixels", description = "refuse larger images (default "
            + DreamParameters.DEFAULT_MAX_PIXELS + ")")
    Long maxPixels;

    @Option(names = "--device-memory", paramLabel = "SIZE", description = "device memory budget, e.g. 512M or 20G: an "
            + "octave that fits stays on the device for all its steps (default: 80%% of a GPU's free memory; 0 = streamed on the CPU)")
    String deviceMemory;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--devices", paramLabel = "N", description = "devices one image runs on (default: with --device gpu every "
            + "visible GPU, else 1; or $DREAMSCAPE_DEVICES); the result is the one-device result")
    String devices;

    @Option(names = "--scratch", paramLabel = "DIR", description = "folder for the memory-mapped working image (default: the system temp folder)")
    Path scratch;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() {
        // Messages for people go to stderr, beside the progress bar (which also writes to System.err).
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            DreamParameters params = resolveParameters();
            if (!Files.isRegularFile(input)) {
                err.println("dreamscape: input not found: " + input);
                return EXIT_BAD_IMAGE;
            }
            if (params.mask() != null) checkMask(params);
            Device dev = DeviceOption.parse(device);
            List<Device> all = DeviceOption.all(dev, device, devices != null ? devices : System.getenv(DeviceCount.ENV));
            Path scratchDir = scratch != null ? scratch : Path.of(System.getProperty("java.io.tmpdir"), "dreamscape");
            // The guide is read before the model opens: an unreadable one is a usage error, found at once.
            GuideImage guideImage = params.guide() == null ? null
                    : GuideImage.load(Path.of(params.guide()), params.tile(), scratchDir);
            try (DownloadBar download = new DownloadBar(quiet);
                 DreamNetwork net = openNetwork(params, dev, download)) {
                DreamFile.Result r;
                try (ProgressBar bar = quiet ? null : progressBar()) {
                    DreamListener listener = new DreamListener() {
                        @Override
                        public void progress(long done, long total) {
                            if (bar != null) {
                                bar.maxHint(total);
                                bar.stepTo(done);
                            }
                        }
                    };
                    r = DreamFile.run(input, output, params, net, all, d -> Networks.open(params.model(), weights, d),
                            scratchDir, listener, guideImage);
                }
                if (!quiet) {
                    err.printf(Locale.ROOT, "dreamscape: wrote %s (%d×%d, layers %s, seed %d)%n", output, r.width(), r.height(),
                            r.layers(), r.params().seed());
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            return failure(e, input, err);
        } finally {
            err.flush();
        }
    }

    /**
     * The one mapping of a failed run to its sentence and exit code, for {@code dream} and {@code plan}: parameters →
     * {@value #EXIT_USAGE}, the input image ({@link ImageException}) → {@value #EXIT_BAD_IMAGE}, anything else →
     * {@value #EXIT_FAILED} (with the stack trace when {@code DREAMSCAPE_DEBUG} is set).
     */
    static int failure(Exception e, Path input, PrintWriter err) {
        if (e instanceof ParameterException) {
            err.println("dreamscape: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (e instanceof ImageException) {
            err.println("dreamscape: " + input + ": " + e.getMessage());
            return EXIT_BAD_IMAGE;
        }
        err.println("dreamscape: failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (System.getenv("DREAMSCAPE_DEBUG") != null) e.printStackTrace(err);
        return EXIT_FAILED;
    }

    /**
     * Before the model is opened: the mask exists, its header reads, and it has the input's shape; each refusal is a
     * usage error (exit 2) naming the mask. The input's own header problems stay exit 3 with the input's name.
     */
    private void checkMask(DreamParameters params) throws IOException {
        Path mask = Path.of(params.mask());
        if (!Files.isRegularFile(mask)) throw new ParameterException("mask not found: " + mask);
        ImageInfo image = RegionDecoder.probe(input, params.maxPixels());
        try {
            MaskInput.probe(mask, image.orientedWidth(), image.orientedHeight(), params.maxPixels());
        } catch (ImageException e) {
            throw new ParameterException("the mask " + mask + " cannot be read as an image: " + e.getMessage());
        }
    }

    private DreamNetwork openNetwork(DreamParameters params, Device dev, DownloadBar download) throws IOException {
        try {
            return Networks.open(params.model(), weights, dev, download);
        } finally {
            download.close();
        }
    }

    DreamParameters resolveParameters() throws IOException {
        ParameterOverrides fromFile = ParameterOverrides.NONE;
        if (paramsFile != null) {
            if (!Files.isRegularFile(paramsFile)) throw new ParameterException("--params file not found: " + paramsFile);
            fromFile = ParameterJson.parse(Files.readString(paramsFile));
        }
        ParameterOverrides flags = ParameterOverrides.builder()
                .model(model)
                .layers(layers == null ? null : layers.stream().map(LayerWeight::parse).toList())
                .preset(preset)
                .octaves(octaves)
                .octaveScale(octaveScale)
                .steps(steps)
                .stepSize(stepSize)
                .jitter(jitter)
                .tile(tile)
                .seed(seed)
                .wrap(wrap)
                .quality(quality)
                .maxPixels(maxPixels)
                .deviceMemory(deviceMemory)
                .keepColors(keepColors)
                .mask(mask)
                .guide(guide)
                .normalize(Normalize.of(normalize))
                .build();
        DreamParameters p = ParameterLayers.NONE.withOwn(fromFile).withFlags(flags).resolve();
        if (p.seed() == null) p = p.withSeed(new SecureRandom().nextLong() & 0xFFFFFFFFL);
        return p;
    }

    private ProgressBar progressBar() {
        return new ProgressBarBuilder()
                .setTaskName("Dreaming")
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" Mpx·steps", 1_000_000)
                .setInitialMax(1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed()
                .setUpdateIntervalMillis(500)
                .build();
    }
}
