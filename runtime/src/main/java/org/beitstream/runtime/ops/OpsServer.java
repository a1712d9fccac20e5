package org.beitstream.runtime.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.beitstream.runtime.config.SettingException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operator endpoints: {@code GET /metrics} in the Prometheus text format, {@code GET /health} as JSON
 * ({@code {"status":"UP","checks":{name:{"status":..,"detail":..}}}}), 200 when every check is up, else 503
 * so that probes (Docker, Kubernetes, load balancers) need no JSON parsing.
 */
final class OpsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final HealthChecks checks;

    OpsServer(OpsSettings settings, PrometheusMeterRegistry registry, HealthChecks checks) {
        this.registry = registry;
        this.checks = checks;
        InetSocketAddress address = new InetSocketAddress(settings.bindAddress(), settings.port());
        if (address.isUnresolved()) {
            throw new SettingException(OpsSettings.BIND_SETTING, "'" + settings.bindAddress() + "' is not a known address");
        }
        try {
            this.server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new SettingException(OpsSettings.PORT_SETTING, "cannot listen on " + settings.bindAddress() + ":"
                    + settings.port() + ": " + e.getMessage());
        }
        // One thread: scrapes and probes are small, and must not compete with the service's own threads.
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> serve(exchange, "/metrics", this::metrics));
        server.createContext("/health", exchange -> serve(exchange, "/health", this::health));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private record Reply(int status, String contentType, byte[] body) {}

    private interface Endpoint {
        Reply reply() throws IOException;
    }

    private static void serve(HttpExchange exchange, String path, Endpoint endpoint) throws IOException {
        try (exchange) {
            // A context matches by prefix; only the path itself is an endpoint.
            if (!exchange.getRequestURI().getPath().equals(path)) {
                send(exchange, new Reply(404, "text/plain; charset=utf-8", bytes("not found")));
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, new Reply(405, "text/plain; charset=utf-8", bytes("use GET")));
            } else {
                send(exchange, endpoint.reply());
            }
        }
    }

    private Reply metrics() {
        return new Reply(200, PROMETHEUS_TEXT, bytes(registry.scrape()));
    }

    private Reply health() throws IOException {
        Map<String, Health> results = checks.run();
        boolean up = HealthChecks.allUp(results);
        ObjectNode body = JSON.createObjectNode().put("status", status(up));
        ObjectNode each = body.putObject("checks");
        results.forEach((name, health) -> each.putObject(name).put("status", status(health.up()))
                .put("detail", health.detail()));
        return new Reply(up ? 200 : 503, "application/json", JSON.writeValueAsBytes(body));
    }

    private static String status(boolean up) {
        return up ? "UP" : "DOWN";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.sendResponseHeaders(reply.status(), reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
    }
}
