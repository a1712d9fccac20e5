package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.ops.Health;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The live dashboard: a consumer of the metrics topics and images.tokenized keeping a bounded history, and the web
 * server that shows it and pushes every new record to open pages.
 */
public final class Dashboard implements AutoCloseable {
    private final TopicFeed feed;
    private final DashboardServer server;
    private final URI url;

    private Dashboard(TopicFeed feed, DashboardServer server, URI url) {
        this.feed = feed;
        this.server = server;
        this.url = url;
    }

    /** Listens on the configured address, then starts reading the topics. */
    public static Dashboard start(DashboardConfig config, KafkaSettings kafka) throws IOException {
        InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
        if (address.isUnresolved()) {
            throw new SettingException("--bind", "cannot resolve '" + config.bindAddress() + "'");
        }
        ObjectNode info = JsonNodeFactory.instance.objectNode().put("kafkaBootstrap", kafka.bootstrapServers());
        DashboardState state = new DashboardState(config.pointsPerSeries(), config.recentImages(), info);
        TopicFeed feed = new TopicFeed(kafka, state, config.recentImages());
        DashboardServer server;
        try {
            server = new DashboardServer(address, state, () -> health(feed, state));
        } catch (BindException e) {
            throw new SettingException("--port", "cannot listen on " + config.bindAddress() + ":" + config.port()
                    + " (" + e.getMessage() + ")");
        }
        feed.start();
        return new Dashboard(feed, server, url(server.address()));
    }

    private static ObjectNode health(TopicFeed feed, DashboardState state) {
        ObjectNode health = JsonNodeFactory.instance.objectNode().put("status", feed.healthy() ? "ok" : "failed");
        health.set("feed", feed.status());
        health.put("openPages", state.subscribers());
        return health;
    }

    /** Where a browser finds the page; a wildcard address is shown as localhost. */
    private static URI url(InetSocketAddress address) {
        String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + "/");
    }

    /** For an operator's health check: whether the topic consumer still runs, and what it read. */
    public Health health() {
        return feed.healthy() ? Health.up(feed.status().toString()) : Health.down(feed.status().toString());
    }

    public URI url() {
        return url;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            server.close();
        } finally {
            feed.close();
        }
    }
}
