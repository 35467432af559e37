package io.dreamscape.cli;

import io.dreamscape.local.LocalCommand;
import io.dreamscape.worker.WorkerCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dreamscape} command: {@code local} (the default: the whole workflow on this machine), {@code dream} (one
 * file), {@code plan} (what a cloud run of a file would do and cost), {@code worker} (one shard of a cloud job, the AWS
 * Batch entry point), {@code doctor} (a smoke test of the engine on this machine) and {@code models} (models, layers
 * and channel counts).
 */
@Command(name = "dreamscape", mixinStandardHelpOptions = true, version = "dreamscape 0.1.0",
        description = {"DeepDream for giant images.", "",
                "Without a command, starts local mode with its defaults (same as 'dreamscape local')."},
        subcommands = {LocalCommand.class, DreamCommand.class, PlanCommand.class, WorkerCommand.class,
                DoctorCommand.class, ModelsCommand.class})
public final class DreamscapeCli implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new DreamscapeCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public Integer call() {
        return new CommandLine(new LocalCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute();
    }
}
