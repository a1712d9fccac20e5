package org.beitstream.app;

import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.memory.NativeMemory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./beit-stream} command: one subcommand per service, plus the tools around them. */
@Command(name = "beit-stream",
        mixinStandardHelpOptions = true,
        version = "beit-stream 0.1.0",
        description = "Kafka-streamed online tokenization and continual BEiT v2 pretraining.",
        subcommands = {InfraCommand.class, SetupCommand.class, IngestCommand.class, TrainTokenizerCommand.class,
                PublishTokenizerCommand.class, TokenizerWorkerCommand.class, TrainerCommand.class, EvaluatorCommand.class,
                DemoCommand.class,
                ConformanceCommand.class,
                BenchCommand.class,
                DashboardCommand.class,
                CommandLine.HelpCommand.class})
public final class BeitStream implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        try {
            checkLogFormat(System.getenv("LOG_FORMAT"));
            // Before any tensor exists: PyTorch's CPU memory then comes from malloc's retained heap.
            NativeMemory.parse(System.getenv(NativeMemory.SETTING)).apply();
        } catch (SettingException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(CommandLine.ExitCode.USAGE);
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * LOG_FORMAT names the appender of logback.xml: text (default) or json. Checked before anything logs, since
     * logback would answer an unknown name by logging nothing at all.
     */
    static void checkLogFormat(String value) {
        if (value != null && !value.equals("text") && !value.equals("json")) {
            throw new SettingException("LOG_FORMAT", "'" + value + "' is neither text nor json");
        }
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
