package org.beitstream.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./beit-stream} command: one subcommand per service, plus the tools around them. */
@Command(name = "beit-stream",
        mixinStandardHelpOptions = true,
        version = "beit-stream 0.1.0",
        description = "Kafka-streamed online tokenization and continual BEiT v2 pretraining.",
        subcommands = {InfraCommand.class, SetupCommand.class, IngestCommand.class, TrainTokenizerCommand.class,
                TokenizerWorkerCommand.class, TrainerCommand.class, EvaluatorCommand.class, DemoCommand.class,
                ConformanceCommand.class,
                BenchCommand.class,
                DashboardCommand.class,
                CommandLine.HelpCommand.class})
public final class BeitStream implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new BeitStream())
                .setCaseInsensitiveEnumValuesAllowed(true)
                // A bad setting is the user's to fix: show the message, not a stack trace.
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof IllegalArgumentException) {
                        cmd.getErr().println("error: " + e.getMessage());
                        return CommandLine.ExitCode.USAGE;
                    }
                    if (e instanceof java.io.IOException) {
                        cmd.getErr().println("error: " + e.getMessage());
                        return CommandLine.ExitCode.SOFTWARE;
                    }
                    throw e;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
