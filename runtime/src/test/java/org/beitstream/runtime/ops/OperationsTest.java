package org.beitstream.runtime.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator endpoints on a real port, with a real Prometheus registry and real checks. */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesMetricsAndHealthWhichTurns503WhileACheckIsDown() throws Exception {
        AtomicBoolean brokerReachable = new AtomicBoolean(true);
        try (Operations ops = Operations.start("ops-test", Optional.of(new OpsSettings("127.0.0.1", 0)))) {
            ops.registry().counter("test.images.accepted").increment(3);
            ops.check("broker", () -> brokerReachable.get() ? Health.up("connected") : Health.down("unreachable"));
            ops.check("loop", () -> Health.up("turning"));
            int port = ops.port().orElseThrow();

            HttpResponse<String> metrics = get(port, "GET", "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), metrics.headers().toString());
            assertTrue(metrics.body().contains("test_images_accepted_total{service=\"ops-test\"} 3.0"), metrics.body());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes{"), "JVM meters are bound");

            HttpResponse<String> up = get(port, "GET", "/health");
            assertEquals(200, up.statusCode(), up.body());
            JsonNode upJson = JSON.readTree(up.body());
            assertEquals("UP", upJson.get("status").asText());
            assertEquals("connected", upJson.at("/checks/broker/detail").asText());

            brokerReachable.set(false);
            HttpResponse<String> down = get(port, "GET", "/health");
            assertEquals(503, down.statusCode(), down.body());
            JsonNode downJson = JSON.readTree(down.body());
            assertEquals("DOWN", downJson.get("status").asText());
            assertEquals("DOWN", downJson.at("/checks/broker/status").asText());
            assertEquals("unreachable", downJson.at("/checks/broker/detail").asText());
            assertEquals("UP", downJson.at("/checks/loop/status").asText());

            assertEquals(404, get(port, "GET", "/healthz").statusCode());
            assertEquals(405, get(port, "POST", "/metrics").statusCode());
        }
    }

    @Test
    void aCheckThatThrowsIsDown() throws Exception {
        try (Operations ops = Operations.start("ops-test", Optional.of(new OpsSettings("127.0.0.1", 0)))) {
            ops.check("store", () -> {
                throw new IllegalStateException("no connection");
            });
            HttpResponse<String> health = get(ops.port().orElseThrow(), "GET", "/health");
            assertEquals(503, health.statusCode());
            assertTrue(JSON.readTree(health.body()).at("/checks/store/detail").asText().contains("no connection"), health.body());
        }
    }

    @Test
    void withoutAPortTheMetersExistButNothingListens() {
        try (Operations ops = Operations.start("ops-test", OpsSettings.parse(null, "127.0.0.1"))) {
            assertTrue(ops.port().isEmpty());
            ops.registry().counter("counted.anyway").increment();
            assertEquals(1.0, ops.registry().get("counted.anyway").counter().count());
        }
    }

    @Test
    void badSettingsFailFastNamingTheSetting() throws Exception {
        SettingException notANumber = assertThrows(SettingException.class, () -> OpsSettings.parse("94x0", "0.0.0.0"));
        assertEquals("OPS_PORT (--ops-port): '94x0' is not a port number (0-65535, 0 = any free port)", notANumber.getMessage());
        assertEquals(OpsSettings.PORT_SETTING, assertThrows(SettingException.class,
                () -> OpsSettings.parse("70000", "0.0.0.0")).setting());
        assertEquals(OpsSettings.BIND_SETTING, assertThrows(SettingException.class,
                () -> OpsSettings.parse("9400", " ")).setting());

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            SettingException inUse = assertThrows(SettingException.class, () -> Operations.start("ops-test",
                    Optional.of(new OpsSettings("127.0.0.1", taken.getLocalPort()))));
            assertEquals(OpsSettings.PORT_SETTING, inUse.setting());
            assertTrue(inUse.getMessage().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), inUse.getMessage());
        }
    }

    private HttpResponse<String> get(int port, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
