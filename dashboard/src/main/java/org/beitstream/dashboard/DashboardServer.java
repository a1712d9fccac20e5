package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The web server: {@code GET /} the page, {@code GET /events} its Server-Sent Events (a snapshot, then every
 * update), {@code GET /api/snapshot} the same state as one JSON document, {@code GET /health}.
 *
 * <p>An event stream holds its handler thread for as long as the browser stays, so streams get threads of their
 * own, at most {@link #MAX_STREAMS} at once.
 */
final class DashboardServer implements AutoCloseable {
    private static final int MAX_STREAMS = 32;
    /** Events a browser may fall behind by before it is dropped (and reconnects to a fresh snapshot). */
    private static final int STREAM_BACKLOG = 4096;
    /** A comment line this often: proxies keep the stream open and a vanished browser is noticed. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration WAKE_UP = Duration.ofSeconds(1);
    /** The page needs nothing from anywhere else; the browser is told to refuse anything else too. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; connect-src 'self'; img-src data:; "
            + "style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

    private final HttpServer server;
    private final ExecutorService executor;
    private final DashboardState state;
    private final Supplier<ObjectNode> health;
    private final byte[] page;
    private final AtomicInteger streams = new AtomicInteger();
    private volatile boolean closing;

    /** @param health the body of {@code /health}; a {@code "status": "failed"} in it answers 503 */
    DashboardServer(InetSocketAddress address, DashboardState state, Supplier<ObjectNode> health) throws IOException {
        this.state = state;
        this.health = health;
        this.page = resource("index.html");
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "dashboard-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain", "use GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/", "/index.html" -> {
                    exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
                    reply(exchange, 200, "text/html; charset=utf-8", page);
                }
                case "/events" -> {
                    if ("HEAD".equals(exchange.getRequestMethod())) {
                        reply(exchange, 200, "text/event-stream", new byte[0]);
                    } else {
                        stream(exchange);
                    }
                }
                case "/api/snapshot" -> reply(exchange, 200, "application/json",
                        DashboardState.write(state.snapshot()).getBytes(StandardCharsets.UTF_8));
                case "/health" -> {
                    ObjectNode body = health.get();
                    int code = "failed".equals(body.path("status").asText()) ? 503 : 200;
                    reply(exchange, code, "application/json", DashboardState.write(body).getBytes(StandardCharsets.UTF_8));
                }
                default -> reply(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void reply(HttpExchange exchange, int code, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    /** Writes the subscription's events until the browser goes, falls too far behind, or the server closes. */
    private void stream(HttpExchange exchange) throws IOException {
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            reply(exchange, 503, "text/plain", "too many open dashboards\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        Subscription subscription = state.subscribe(STREAM_BACKLOG);
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            write(out, "retry: 2000\n\n"); // how soon the browser reconnects after the stream ends
            long lastWrite = System.nanoTime();
            while (!closing && !subscription.overflowed()) {
                Subscription.Event event = subscription.next(WAKE_UP);
                if (event != null) {
                    write(out, "event: " + event.name() + "\ndata: " + event.data() + "\n\n");
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite > HEARTBEAT.toNanos()) {
                    write(out, ": heartbeat\n\n");
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException gone) {
            // the browser closed the page
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        } finally {
            state.unsubscribe(subscription);
            streams.decrementAndGet();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the dashboard page " + name + " is missing from the class path");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        server.stop(0);
        executor.shutdownNow(); // wakes the event streams waiting for their next event
        executor.awaitTermination(WAKE_UP.toSeconds() * 5, TimeUnit.SECONDS);
    }
}
