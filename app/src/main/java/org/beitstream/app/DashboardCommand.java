package org.beitstream.app;

import org.beitstream.dashboard.Dashboard;
import org.beitstream.dashboard.DashboardConfig;
import org.beitstream.runtime.ops.Operations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Serves the live dashboard until stopped. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Serve a live web page of the run: loss per head, masked-token accuracy, learning rate,",
                "throughput, codebook usage, probe accuracy and mIoU per checkpoint against the random-init",
                "baseline, and recent images with their visual tokens. Reads metrics.train, metrics.tokenizer and",
                "metrics.eval from their beginning and the end of images.tokenized, without a consumer group;",
                "pages update live by Server-Sent Events. Runs until SIGTERM/SIGINT."})
final class DashboardCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Option(names = "--port", defaultValue = "" + DashboardConfig.DEFAULT_PORT,
            description = "HTTP port (0: any free port; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--history", defaultValue = "" + DashboardConfig.DEFAULT_POINTS_PER_SERIES,
            description = "Records kept per run or worker (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--images", defaultValue = "" + DashboardConfig.DEFAULT_RECENT_IMAGES,
            description = "Recent tokenized images shown (default: ${DEFAULT-VALUE}).")
    int images;

    @Override
    public Integer call() throws Exception {
        DashboardConfig config = new DashboardConfig(bind, port, history, images);
        Operations operations = ops.start("dashboard");
        Dashboard dashboard = Dashboard.start(config, connection.kafka());
        operations.check("topic-feed", dashboard::health);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (operations) {
                dashboard.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "dashboard-shutdown"));
        System.out.println("dashboard: " + dashboard.url());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
