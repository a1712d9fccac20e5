package org.beitstream.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import org.beitstream.app.demo.Demo;
import org.beitstream.app.demo.DemoPlan;
import org.beitstream.app.demo.DemoSummary;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.runtime.config.SettingException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs the whole system in this process for a given time and prints what its features are worth. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline in one process: embedded Kafka and S3, Fashion-MNIST ingest (synthetic",
                "scenes without it), VQ-KD tokenizer training, the exactly-once tokenizer worker, continual BEiT v2",
                "pretraining with checkpoints, and the evaluator's probes next to a random-init baseline.",
                "Phases are planned within --minutes; a live dashboard shows the run; a summary table ends it.",
                "Ctrl-C stops it cleanly."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "10", description = "Time budget, at least 2 (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--data-dir", description = "Broker logs, objects and logs; kept afterwards "
            + "(default: a new beit-stream-demo-* directory under the temp dir).")
    Path dataDir;

    @Option(names = "--path", description = "Fashion-MNIST IDX directory (default: ${DEFAULT-VALUE}).")
    Path fashionMnistDir = FashionMnist.DEBIAN_PATH;

    @Option(names = "--preset", defaultValue = "fmnist-tiny", description = "Model and tokenizer preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--dashboard-port", defaultValue = "8088",
            description = "Serve the live dashboard on 127.0.0.1 at this port; 0: any free port (default: ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Option(names = "--no-dashboard", description = "Run without the dashboard.")
    boolean noDashboard;

    @Override
    public Integer call() throws Exception {
        if (dashboardPort < 0 || dashboardPort > 65535) {
            throw new SettingException("--dashboard-port", "must be in 0..65535 (0: any free port), got " + dashboardPort);
        }
        DemoPlan plan = DemoPlan.forMinutes(minutes);
        Path dir = dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("beit-stream-demo-");
        Path logFile = dir.resolve("demo.log");
        logServicesTo(logFile);
        Demo demo = new Demo(new Demo.Options(plan, dir, fashionMnistDir, preset,
                noDashboard ? OptionalInt.empty() : OptionalInt.of(dashboardPort)), System.err);
        CountDownLatch finished = new CountDownLatch(1);
        Thread stopOnSignal = new Thread(() -> {
            System.err.println("demo: stopping (an evaluation in progress finishes first)...");
            demo.requestStop();
            try {
                finished.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-stop");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            DemoSummary summary = demo.run();
            System.out.print(summary.render());
            System.out.println("  " + String.format("%-26s %s", "service logs", logFile));
            System.out.flush();
            System.err.println(summary.stopped() ? "demo: stopped; everything is shut down" : "demo: done");
            return 0;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: nothing to remove
            }
        }
    }

    /**
     * The services log their progress at INFO; in the demo the progress line speaks for them, so their log goes
     * to a file and the console keeps only warnings.
     */
    private static void logServicesTo(Path file) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof ConsoleAppender<ILoggingEvent>) {
                ThresholdFilter warnings = new ThresholdFilter();
                warnings.setLevel(Level.WARN.levelStr);
                warnings.start();
                appender.addFilter(warnings);
            }
        });
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{1} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("DEMO_FILE");
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
        // The embedded broker and the Kafka clients report routine events (retried first appends of a transaction,
        // configuration advice) at WARN and ERROR: the file has them, the console would only be cluttered.
        for (String kafka : new String[]{"kafka", "org.apache.kafka"}) {
            ch.qos.logback.classic.Logger logger = context.getLogger(kafka);
            logger.setAdditive(false);
            logger.addAppender(appender);
        }
    }
}
