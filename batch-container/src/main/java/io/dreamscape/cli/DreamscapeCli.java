package io.dreamscape.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dreamscape} command: {@code dream} one file; more subcommands join as the workflow grows. */
@Command(name = "dreamscape", mixinStandardHelpOptions = true, version = "dreamscape 0.1.0",
        description = "DeepDream for giant images.",
        subcommands = {DreamCommand.class, io.dreamscape.worker.WorkerCommand.class, io.dreamscape.local.LocalCommand.class})
public final class DreamscapeCli implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new DreamscapeCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
