package io.netsieve.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code netsieve} command line: one runnable jar, started by {@code ./netsieve} at the repository root. */
@Command(name = "netsieve", mixinStandardHelpOptions = true, version = "netsieve 0.1.0-SNAPSHOT",
        description = "BPF network logs from packet captures.",
        subcommands = {AnalyzeCommand.class, CaptureCommand.class, FilterCommand.class, CommandLine.HelpCommand.class})
public final class NetSieveCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new NetSieveCli()).execute(args);
    }
}
