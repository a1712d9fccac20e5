package org.beitstream.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.beitstream.ingest.source.SourceImage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code POST /images}: the body is the image (raw bytes, or the first file of a multipart form), with
 * {@code Authorization: Bearer <token>}. Optional query parameters: {@code label}, {@code source},
 * {@code id}. The reply comes after Kafka has the record: 202 with the id, 422 with the reason when the
 * image was invalid (and dead-lettered), 401, 405 or 413 otherwise.
 */
public final class HttpIngestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How much of an oversized body is read and dropped before the connection is closed anyway. */
    private static final long DRAIN_BYTES = 64L * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final Ingest ingest;
    private final byte[] token;
    private final int maxBytes;

    public HttpIngestServer(Ingest ingest, String bindAddress, int port, String token, int maxBytes) throws IOException {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("INGEST_TOKEN (--token): a bearer token of at least 16 characters is required");
        }
        this.ingest = ingest;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.maxBytes = maxBytes;
        this.server = HttpServer.create(new InetSocketAddress(bindAddress, port), 64);
        this.executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        server.createContext("/images", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                reply(exchange, 405, error("use POST"));
                return;
            }
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 401, error("missing or wrong bearer token"));
                return;
            }
            byte[] body = readAtMost(exchange.getRequestBody(), maxBytes + 64 * 1024);
            if (body == null) {
                reply(exchange, 413, error("body over the limit of " + maxBytes + " bytes"));
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            byte[] image = contentType != null && contentType.startsWith("multipart/form-data")
                    ? Multipart.firstPart(body, contentType)
                    : body;
            if (image == null) {
                reply(exchange, 400, error("multipart body without a part"));
                return;
            }
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String id = query.getOrDefault("id", UUID.randomUUID().toString());
            Integer label = query.containsKey("label") ? Integer.valueOf(query.get("label")) : null;
            String source = "http:" + query.getOrDefault("source", exchange.getRemoteAddress().getAddress().getHostAddress());
            Ingest.Outcome outcome = ingest.submitAndWait(
                    new SourceImage(id, image, "", 0, 0, label, null, null, null, source));
            ObjectNode reply = JSON.createObjectNode().put("id", outcome.id());
            if (outcome.accepted()) {
                reply(exchange, 202, reply.put("status", "accepted"));
            } else {
                reply(exchange, 422, reply.put("status", "dead-lettered").put("errorType", outcome.errorType())
                        .put("reason", outcome.reason()));
            }
        } catch (NumberFormatException e) {
            reply(exchange, 400, error("bad number: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 503, error("shutting down"));
        } catch (Exception e) {
            reply(exchange, 503, error("not stored, retry: " + e.getMessage()));
        }
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The whole body, or null when it is longer than {@code limit}. An oversized body is still read
     * (up to a bound) and dropped, because clients that are cut off mid-upload see a reset, not the 413.
     */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] data = in.readNBytes(limit + 1);
        if (data.length <= limit) {
            return data;
        }
        byte[] sink = new byte[64 * 1024];
        long dropped = 0;
        for (int n = in.read(sink); n > 0 && dropped < DRAIN_BYTES; n = in.read(sink)) {
            dropped += n;
        }
        return null;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
    }
}
