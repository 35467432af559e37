package io.dreamscape.cli;

import io.dreamscape.engine.weights.DownloadListener;
import java.net.URI;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar for the one-time download of the GoogLeNet weights; silent with --quiet or when nothing downloads. */
final class DownloadBar implements DownloadListener, AutoCloseable {
    private final boolean quiet;
    private ProgressBar bar;

    DownloadBar(boolean quiet) {
        this.quiet = quiet;
    }

    @Override
    public void started(URI from, Path to, long bytesTotal) {
        if (quiet) return;
        System.err.println("dreamscape: downloading the GoogLeNet weights once from " + from + " to " + to);
        bar = new ProgressBarBuilder().setTaskName("Weights").setStyle(ProgressBarStyle.ASCII)
                .setInitialMax(Math.max(bytesTotal, 1)).setUnit(" MiB", 1 << 20)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    @Override
    public void progress(long bytesDone, long bytesTotal) {
        if (bar != null) {
            if (bytesTotal > 0) bar.maxHint(bytesTotal);
            bar.stepTo(bytesDone);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
